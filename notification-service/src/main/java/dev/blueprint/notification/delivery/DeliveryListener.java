package dev.blueprint.notification.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatPipelineLatency;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.notification.delivery.core.DeliveryBatches;
import dev.blueprint.notification.delivery.core.DeliveryRouter;
import dev.blueprint.notification.delivery.core.StaleEvents;
import dev.blueprint.platform.tracing.MessageTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Fans stored messages, acks, recorded receipts and refusals out to the gateways. Per
 * polled batch: a lookup of every recipient's sessions, all at once
 * ({@link SessionLookup}), then one round trip of Redis publishes
 * ({@link DeliveryPublisher}): per gateway, the batch's deliveries in event order, up to
 * {@code notification.deliveries-per-publish} in each publish ({@link DeliveryBatches}).
 * On a Redis Cluster, a recipient whose sessions could not be looked up in time (the node
 * holding their key is down, e.g. during a Redis Cluster failover) is not held against
 * the others: their deliveries go to every gateway
 * ({@link GatewayDelivery#EVERY_GATEWAY}), which push them to the sessions they hold.
 * Offsets are committed after the publishes; Redis pub/sub delivers at most once, and a
 * client that misses a message sees the gap in seq and reads it from history. A batch
 * whose publishes fail (Redis unreachable, or slower than the command timeout) is logged,
 * counted in {@code blueprint.chat.delivery.batch.failures} and retried by the container:
 * a publish that timed out may have reached the gateways all the same, so its retry can
 * deliver a message twice, and clients drop a seq they already have. An unreadable record
 * goes to the dead-letter topic once, whatever the retries of its batch.
 * <p>
 * A batch listener runs outside any one record's trace, so each event is routed in a
 * {@code chat.route} span continuing its record's {@code traceparent}. The Redis publish
 * to the gateways, one round trip per batch, carries no trace context.
 */
public class DeliveryListener {

	private static final Logger logger = LoggerFactory.getLogger(DeliveryListener.class);

	/** Deliveries whose publish reached no subscriber, by {@code kind}. */
	public static final String UNRECEIVED_METRIC = "blueprint.chat.deliveries.unreceived";

	private static final Duration UNRECEIVED_LOG_INTERVAL = Duration.ofSeconds(10);

	/** How long an unreadable record's send to the dead-letter topic may take. */
	private static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(10);

	private final SessionLookup sessions;

	private final DeliveryPublisher publisher;

	private final KafkaTemplate<String, String> kafka;

	private final ChatEventCodec codec;

	private final MeterRegistry meters;

	private final Counter offline;

	private final Counter deadLettered;

	private final Timer batchTimer;

	private final Clock clock;

	private final Timer routed;

	private final MessageTracing tracing;

	private final Counter lookupFailures;

	private final Counter publishFailures;

	private final Counter deadLetterFailures;

	private final Counter publishCount;

	private final int deliveriesPerPublish;

	/** Where a recipient's deliveries go when their sessions could not be looked up. */
	private static final Set<String> EVERYWHERE = Set.of(GatewayDelivery.EVERY_GATEWAY);

	/** Events stored longer ago are skipped, not delivered live. */
	private final Duration maxAge;

	private final Counter stale;

	/** When skipped stale events were last logged ({@link System#nanoTime()}), or 0. */
	private volatile long staleLoggedAt;

	/**
	 * Which gateways listen: on a Redis Cluster, where a publish's answer counts the
	 * node's own subscribers (a gateway subscribed on another node would count as gone,
	 * the alert firing all the time), the gateways a publish reached no one at are asked
	 * of every node.
	 */
	private final ListeningGateways gateways;

	/** {@link #UNRECEIVED_METRIC} by kind. */
	private final Map<String, Counter> unreceived;

	/** When unreceived deliveries were last logged ({@link System#nanoTime()}), or 0. */
	private volatile long unreceivedLoggedAt;

	/**
	 * Per partition of the events topic, the highest offset this instance has
	 * dead-lettered: a retried batch does not send its unreadable records again.
	 */
	private final Map<TopicPartition, Long> deadLetteredUpTo = new ConcurrentHashMap<>();

	/**
	 * @param maxAge events whose record is older are counted and skipped, not delivered
	 * @param gateways which gateways listen (on a Redis Cluster, for counting the
	 * deliveries that reached nobody)
	 */
	public DeliveryListener(SessionLookup sessions, DeliveryPublisher publisher, KafkaTemplate<String, String> kafka,
			ChatEventCodec codec, MeterRegistry meters, Clock clock, MessageTracing tracing, int deliveriesPerPublish,
			Duration maxAge, ListeningGateways gateways) {
		this.sessions = sessions;
		this.maxAge = maxAge;
		this.stale = Counter.builder("blueprint.chat.deliveries.stale")
			.description("Events not delivered live because they were stored longer ago than "
					+ "notification.delivery-max-age (a backlog after an outage, or a new consumer group): "
					+ "their recipients catch up from history")
			.register(meters);
		this.deliveriesPerPublish = DeliveryBatches.checked(deliveriesPerPublish);
		this.tracing = tracing;
		this.clock = clock;
		this.routed = ChatPipelineLatency.timer(meters, ChatPipelineLatency.ROUTED);
		this.publisher = publisher;
		this.kafka = kafka;
		this.codec = codec;
		this.meters = meters;
		this.offline = Counter.builder("blueprint.chat.recipients.offline")
			.description("Recipients of a stored message with no live session (they catch up from history)")
			.register(meters);
		this.deadLettered = Counter.builder("blueprint.chat.notification.dead.letters")
			.description("Events sent to the dead-letter topic because they could not be read")
			.register(meters);
		this.batchTimer = Timer.builder("blueprint.chat.notification.batch")
			.description("Time to look up sessions and publish one polled batch")
			.publishPercentileHistogram()
			.register(meters);
		this.publishCount = Counter.builder("blueprint.chat.delivery.publishes")
			.description("Redis messages published to gateways (each carries up to "
					+ "notification.deliveries-per-publish deliveries)")
			.register(meters);
		this.lookupFailures = batchFailures(meters, "lookup");
		this.publishFailures = batchFailures(meters, "publish");
		this.deadLetterFailures = batchFailures(meters, "dead-letter");
		// Registered up front: the alert reads the series before the first one happens.
		Map<String, Counter> unreceived = new LinkedHashMap<>();
		for (String kind : List.of("message", "ack", "receipt", "error")) {
			unreceived.put(kind, Counter.builder(UNRECEIVED_METRIC)
				.description("Deliveries published to a gateway's channel that no gateway was subscribed to (gone "
						+ "with its leases still live, or not subscribed): their recipients catch up from history")
				.tag("kind", kind)
				.register(meters));
		}
		this.unreceived = Map.copyOf(unreceived);
		this.gateways = gateways;
	}

	private static Counter batchFailures(MeterRegistry meters, String stage) {
		return Counter.builder("blueprint.chat.delivery.batch.failures")
			.description("Polled batches whose session lookup or publishes failed (the batch is retried)")
			.tag("stage", stage)
			.register(meters);
	}

	@KafkaListener(id = "deliveries", topics = ChatTopics.EVENTS, batch = "true")
	public void onBatch(List<ConsumerRecord<String, String>> records) {
		Timer.Sample sample = Timer.start();
		List<ChatEvent> decoded = new ArrayList<>(records.size());
		List<Headers> decodedOrigins = new ArrayList<>(records.size());
		boolean[] stale = new boolean[records.size()];
		long oldest = this.clock.millis() - this.maxAge.toMillis();
		for (ConsumerRecord<String, String> record : records) {
			try {
				ChatEvent event = this.codec.decode(record.value());
				// decoded first: an unreadable one is dead-lettered whatever its age
				stale[decoded.size()] = record.timestamp() >= 0 && record.timestamp() < oldest;
				decoded.add(event);
				decodedOrigins.add(record.headers());
			}
			catch (ChatEventCodec.MalformedEventException ex) {
				deadLetter(record, ex.getMessage());
			}
		}
		boolean[] delivered = StaleEvents.delivered(decoded, stale);
		List<ChatEvent> events = new ArrayList<>(decoded.size());
		List<Headers> origins = new ArrayList<>(decoded.size());
		Set<String> users = new LinkedHashSet<>();
		for (int i = 0; i < decoded.size(); i++) {
			if (delivered[i]) {
				events.add(decoded.get(i));
				origins.add(decodedOrigins.get(i));
				users.addAll(DeliveryRouter.usersOf(decoded.get(i)));
			}
		}
		int skipped = decoded.size() - events.size();
		Map<String, Set<String>> gateways;
		try {
			SessionLookup.Result found = this.sessions.gatewaysOf(users);
			gateways = new LinkedHashMap<>(found.gateways());
			found.unresolved().forEach((user) -> gateways.put(user, EVERYWHERE));
		}
		catch (RuntimeException ex) {
			this.lookupFailures.increment();
			logger.warn("Looking up the sessions of {} users for a batch of {} events failed, nothing published; "
					+ "the batch is retried: {}", users.size(), records.size(), ex.toString());
			throw ex;
		}
		DeliveryBatches batches = new DeliveryBatches(this.deliveriesPerPublish);
		int[] offlineRecipients = { 0 };
		for (int i = 0; i < events.size(); i++) {
			ChatEvent event = events.get(i);
			Headers origin = origins.get(i);
			this.tracing.inSpan("chat.route", (name) -> header(origin, name), () -> {
				batches.add(DeliveryRouter.route(event, gateways));
				offlineRecipients[0] += DeliveryRouter.offlineRecipients(event, gateways).size();
			});
		}
		List<DeliveryBatches.Publish> publishes = batches.publishes();
		List<Object> receivers;
		try {
			receivers = publish(publishes);
		}
		catch (RuntimeException ex) {
			this.publishFailures.increment();
			logger.warn(
					"Publishing {} deliveries of a batch of {} events failed; the batch is retried. "
							+ "Some may have reached their gateways (a timeout does not say they did not): those are "
							+ "delivered again and clients drop the seqs they already have: {}",
					deliveries(publishes), records.size(), ex.toString());
			throw ex;
		}
		// Counted once published: a failed attempt is counted as such, and its retry
		// once.
		publishes.forEach((publish) -> publish.deliveries().forEach(this::count));
		this.publishCount.increment(publishes.size());
		countStale(skipped);
		countUnreceived(publishes, receivers);
		this.offline.increment(offlineRecipients[0]);
		Instant now = this.clock.instant();
		for (ChatEvent event : events) {
			if (event instanceof ChatEvent.MessagePersisted persisted && !persisted.duplicate()) {
				this.routed.record(Duration.between(persisted.sentAt(), now));
			}
		}
		sample.stop(this.batchTimer);
	}

	/**
	 * Counts the batch's skipped stale events ({@link StaleEvents}) once it is published,
	 * and logs them at most every {@link #UNRECEIVED_LOG_INTERVAL}.
	 */
	private void countStale(int skipped) {
		if (skipped == 0) {
			return;
		}
		this.stale.increment(skipped);
		long now = System.nanoTime();
		long logged = this.staleLoggedAt;
		if (logged == 0 || now - logged >= UNRECEIVED_LOG_INTERVAL.toNanos()) {
			this.staleLoggedAt = now;
			logger.warn("Skipped {} events stored more than {} ago (notification.delivery-max-age): of those, only "
					+ "each conversation's newest stored message is delivered live, and its recipients fill "
					+ "the gap before it from history (blueprint.chat.deliveries.stale)", skipped, this.maxAge);
		}
	}

	/**
	 * Sends an unreadable record to the dead-letter topic and waits for Kafka to have it,
	 * once: a batch retried after a failed lookup or publish holds its unreadable records
	 * again, and they were dead-lettered by the first attempt (before, every attempt sent
	 * another copy). Dead-lettered before the batch's publishes, so that a batch skipped
	 * after its last retry has still kept them. A send that fails fails the batch, which
	 * is retried; only if every attempt's send fails is the record lost with the skipped
	 * batch (counted as a {@code dead-letter} batch failure, and logged).
	 */
	private void deadLetter(ConsumerRecord<String, String> record, String reason) {
		TopicPartition partition = new TopicPartition(record.topic(), record.partition());
		Long upTo = this.deadLetteredUpTo.get(partition);
		if (upTo != null && record.offset() <= upTo) {
			return;
		}
		logger.warn("Dead-lettering record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
		try {
			this.kafka.send(ChatTopics.deadLetter(record.topic()), record.key(), record.value())
				.get(DEAD_LETTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while dead-lettering " + partition + "@" + record.offset(),
					ex);
		}
		catch (ExecutionException | TimeoutException | KafkaException ex) {
			// KafkaException: send() itself failed (no metadata or buffer space within
			// max.block.ms), before any future
			this.deadLetterFailures.increment();
			logger.warn("Dead-lettering {}@{} failed; the batch is retried: {}", partition, record.offset(),
					ex.toString());
			throw new IllegalStateException(
					"Dead-lettering " + partition + "@" + record.offset() + " failed; the batch is retried", ex);
		}
		this.deadLetteredUpTo.merge(partition, record.offset(), Math::max);
		this.deadLettered.increment();
	}

	private static String header(Headers headers, String name) {
		Header header = headers.lastHeader(name);
		return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
	}

	/**
	 * Every publish of the batch in one round trip ({@link DeliveryPublisher}), instead
	 * of one per publish (a group message alone is one delivery per gateway, plus the
	 * ack).
	 */
	private List<Object> publish(List<DeliveryBatches.Publish> publishes) {
		List<byte[][]> messages = new ArrayList<>(publishes.size());
		for (DeliveryBatches.Publish publish : publishes) {
			messages.add(new byte[][] { GatewayDelivery.channel(publish.gateway()).getBytes(StandardCharsets.UTF_8),
					this.codec.encode(publish.payload()).getBytes(StandardCharsets.UTF_8) });
		}
		return this.publisher.publish(messages);
	}

	/**
	 * Counts the deliveries whose publish reached no subscriber: the gateway is gone and
	 * its sessions' leases have not ended yet, or it is alive (renewing its leases) but
	 * not subscribed to its channel, when its clients miss every live delivery. They
	 * catch up from history; the alert {@code BlueprintChatDeliveriesUnreceived} says
	 * when it lasts longer than a lease.
	 */
	private void countUnreceived(List<DeliveryBatches.Publish> publishes, List<Object> receivers) {
		List<DeliveryBatches.Publish> unanswered = new ArrayList<>();
		for (int i = 0; i < publishes.size() && i < receivers.size(); i++) {
			if (receivers.get(i) instanceof Long count && count == 0) {
				unanswered.add(publishes.get(i));
			}
		}
		if (!unanswered.isEmpty() && this.gateways.clustered()) {
			// 0 from one node of a cluster: the gateway may listen through another. Asked
			// of every node, answers trusted for a second (not a count of every node per
			// publish).
			Set<String> gone;
			try {
				gone = this.gateways.notListening(unanswered.stream().map(DeliveryBatches.Publish::gateway).toList());
			}
			catch (RuntimeException ex) {
				logger.debug("Could not count the gateways' subscribers; unreceived deliveries not counted: {}",
						ex.toString());
				return;
			}
			unanswered.removeIf((publish) -> !gone.contains(publish.gateway()));
		}
		Map<String, Integer> byGateway = new LinkedHashMap<>();
		for (DeliveryBatches.Publish publish : unanswered) {
			publish.deliveries().forEach((delivery) -> this.unreceived.get(kind(delivery)).increment());
			byGateway.merge(publish.gateway(), publish.deliveries().size(), Integer::sum);
		}
		long now = System.nanoTime();
		long last = this.unreceivedLoggedAt;
		// at most one line every 10 s: a gateway that died leaves every batch of its
		// lease's
		// last seconds with deliveries nobody receives
		if (!byGateway.isEmpty() && (last == 0 || now - last >= UNRECEIVED_LOG_INTERVAL.toNanos())) {
			this.unreceivedLoggedAt = now;
			logger.warn("Deliveries reached no subscriber (per gateway: {}): the gateway is gone and its sessions' "
					+ "leases have not ended, or it is not subscribed to its channel; its clients catch up from "
					+ "history (counted in {}; this line at most every {} s)", byGateway, UNRECEIVED_METRIC,
					UNRECEIVED_LOG_INTERVAL.toSeconds());
		}
	}

	private static int deliveries(List<DeliveryBatches.Publish> publishes) {
		return publishes.stream().mapToInt((publish) -> publish.deliveries().size()).sum();
	}

	private static String kind(GatewayDelivery delivery) {
		return (delivery instanceof GatewayDelivery.MessageDelivery) ? "message"
				: (delivery instanceof GatewayDelivery.AckDelivery) ? "ack"
						: (delivery instanceof GatewayDelivery.ReceiptDelivery) ? "receipt" : "error";
	}

	private void count(GatewayDelivery delivery) {
		String kind = kind(delivery);
		Counter.builder("blueprint.chat.deliveries")
			.description("Deliveries published to gateways, by kind")
			.tag("kind", kind)
			.register(this.meters)
			.increment();
	}

}
