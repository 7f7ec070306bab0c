package dev.blueprint.notification.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatPipelineLatency;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.support.EventsTopic;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TopicConsumers;
import dev.blueprint.testsupport.Traceparent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.MessageListenerContainer;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(properties = { "management.opentelemetry.tracing.export.schedule-delay=100ms",
		"notification.deliveries-per-publish=" + DeliveryIntegrationTests.DELIVERIES_PER_PUBLISH,
		"notification.delivery-lookup-timeout=" + DeliveryIntegrationTests.LOOKUP_TIMEOUT })
@AutoConfigureTracing
@RealInfrastructure
class DeliveryIntegrationTests {

	/** Below the default, so that one poll's deliveries fill more than one publish. */
	static final int DELIVERIES_PER_PUBLISH = 3;

	/**
	 * A Redis Cluster's lookup timeout, far below a pause of the server: on one server it
	 * must not be what a lookup waits.
	 */
	static final String LOOKUP_TIMEOUT = "50ms";

	private final ChatEventCodec codec = new ChatEventCodec();

	private final String gatewayA = "gw-a-" + UUID.randomUUID();

	private final String gatewayB = "gw-b-" + UUID.randomUUID();

	private final BlockingQueue<String> atA = new LinkedBlockingQueue<>();

	private final BlockingQueue<String> atB = new LinkedBlockingQueue<>();

	/** What is published to every gateway. */
	private final BlockingQueue<String> atEvery = new LinkedBlockingQueue<>();

	/** Deliveries of batches already taken from a gateway's queue, not read yet. */
	private final Map<BlockingQueue<String>, Deque<GatewayDelivery>> unread = new IdentityHashMap<>();

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	@Autowired
	RedisConnectionFactory connections;

	@Autowired
	CollectedSpans spans;

	@Autowired
	KafkaListenerEndpointRegistry listeners;

	@Test
	void theDeliveryListenerCommitsItsPublishedOffsetsAsynchronouslyOnceASecond() {
		ContainerProperties commits = this.listeners.getListenerContainer("deliveries").getContainerProperties();

		assertThat(commits.isSyncCommits()).isFalse();
		assertThat(commits.getAckMode()).isEqualTo(ContainerProperties.AckMode.TIME);
		assertThat(commits.getAckTime()).isEqualTo(1000);
	}

	private RedisMessageListenerContainer subscriptions;

	private KafkaProducer<String, String> producer;

	private static volatile boolean deliveriesAssigned;

	@BeforeEach
	void listenAsTwoGateways() throws Exception {
		if (!deliveriesAssigned) {
			EventsTopic.declare();
			MessageListenerContainer deliveries = this.listeners.getListenerContainer("deliveries");
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (deliveries.getAssignedPartitions() == null || deliveries.getAssignedPartitions().isEmpty()) {
				assertThat(System.nanoTime()).as("the deliveries consumer owns partitions within 60 s")
					.isLessThan(deadline);
				Thread.sleep(50);
			}
			deliveriesAssigned = true;
		}
		this.subscriptions = new RedisMessageListenerContainer();
		this.subscriptions.setConnectionFactory(this.connections);
		// On the connection's thread, in arrival order, as a gateway's one delivery
		// thread (the default executor starts a thread per message, which may
		// reorder them).
		this.subscriptions.setTaskExecutor(new SyncTaskExecutor());
		this.subscriptions.addMessageListener((message, pattern) -> this.atA.add(new String(message.getBody())),
				new ChannelTopic(GatewayDelivery.channel(this.gatewayA)));
		this.subscriptions.addMessageListener((message, pattern) -> this.atB.add(new String(message.getBody())),
				new ChannelTopic(GatewayDelivery.channel(this.gatewayB)));
		this.subscriptions.addMessageListener((message, pattern) -> this.atEvery.add(new String(message.getBody())),
				new ChannelTopic(GatewayDelivery.channel(GatewayDelivery.EVERY_GATEWAY)));
		this.subscriptions.afterPropertiesSet();
		this.subscriptions.start();
		Thread.sleep(300);
		this.producer = new KafkaProducer<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.local().kafkaBootstrapServers()),
				new StringSerializer(), new StringSerializer());
	}

	@AfterEach
	void stop() throws Exception {
		this.subscriptions.destroy();
		this.producer.close(Duration.ofSeconds(5));
	}

	@Test
	void aStoredMessageReachesEveryGatewayHoldingARecipientAndTheAckTheSender() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		String bob = "bob-" + UUID.randomUUID();
		String carol = "carol-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1"),
					new SessionRegistry.Session(bob, this.gatewayA, "s-2"),
					new SessionRegistry.Session(bob, this.gatewayB, "s-3")));
		UUID conversation = UUID.randomUUID();
		Timer routed = this.meters.get(ChatPipelineLatency.NAME).tag("stage", ChatPipelineLatency.ROUTED).timer();
		long routedBefore = routed.count();
		publish(new ChatEvent.MessagePersisted(conversation, 1, UUID.randomUUID(), alice, "c-1", "hello",
				Instant.now().minusMillis(250), List.of(alice, bob, carol), false,
				new ChatEvent.Origin(this.gatewayA, "s-1")));

		GatewayDelivery.MessageDelivery atA = (GatewayDelivery.MessageDelivery) next(this.atA);
		assertThat(atA.users()).containsExactlyInAnyOrder(alice, bob);
		assertThat(atA.message().body()).isEqualTo("hello");
		GatewayDelivery.AckDelivery ack = (GatewayDelivery.AckDelivery) next(this.atA);
		assertThat(ack.ack().seq()).isEqualTo(1);
		GatewayDelivery.MessageDelivery atB = (GatewayDelivery.MessageDelivery) next(this.atB);
		assertThat(atB.users()).containsExactly(bob);
		// Recorded once per stored message (not per gateway), timed from its
		// sentAt, just after the publishes.
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (routed.count() == routedBefore && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(routed.count()).isEqualTo(routedBefore + 1);
		assertThat(routed.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);
	}

	/**
	 * A recipient whose session is on a gateway that nobody listens for (gone, its lease
	 * still live, or not subscribed) gets nothing live: the delivery is counted as
	 * unreceived, by kind, and the others' deliveries are not held up.
	 */
	@Test
	void aDeliveryToAGatewayNobodyListensForIsCountedUnreceived() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		String dave = "dave-" + UUID.randomUUID();
		String gone = "gw-gone-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1"),
					new SessionRegistry.Session(dave, gone, "s-9")));
		double messagesBefore = unreceived("message");
		double acksBefore = unreceived("ack");
		publish(new ChatEvent.MessagePersisted(UUID.randomUUID(), 1, UUID.randomUUID(), alice, "c-1", "hello",
				Instant.now(), List.of(alice, dave), false, new ChatEvent.Origin(this.gatewayA, "s-1")));

		GatewayDelivery.MessageDelivery atA = (GatewayDelivery.MessageDelivery) next(this.atA);
		assertThat(atA.users()).containsExactly(alice);
		assertThat(next(this.atA)).isInstanceOf(GatewayDelivery.AckDelivery.class);
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (unreceived("message") == messagesBefore && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(unreceived("message")).as("dave's delivery reached no gateway").isEqualTo(messagesBefore + 1);
		assertThat(unreceived("ack")).as("the ack reached gateway A").isEqualTo(acksBefore);
	}

	/**
	 * Events stored longer ago than {@code notification.delivery-max-age} (10 min) are
	 * not pushed ahead of the new ones (a backlog after a long outage, or a new group
	 * reading the topic from its start): of a conversation's old messages only the newest
	 * is delivered, which shows its recipients the gap before it; a conversation with a
	 * recent message in the poll gets none of its old ones. One producer batch, so one
	 * poll, holds conversation X's old seqs 1-3 and conversation Y's old 1 and recent 2.
	 */
	@Test
	void ofTheEventsStoredLongerAgoThanTheMaxAgeOnlyEachConversationsNewestMessageIsDelivered() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1")));
		UUID x = UUID.randomUUID();
		UUID y = UUID.randomUUID();
		Counter stale = this.meters.get("blueprint.chat.deliveries.stale").counter();
		double staleBefore = stale.count();
		int partition = ownedPartition();
		long old = System.currentTimeMillis() - Duration.ofMinutes(11).toMillis();
		try (KafkaProducer<String, String> lingering = lingeringProducer()) {
			List<Future<RecordMetadata>> sent = new ArrayList<>();
			for (Object[] event : new Object[][] { { x, 1L, old }, { x, 2L, old }, { y, 1L, old }, { x, 3L, old },
					{ y, 2L, System.currentTimeMillis() } }) {
				UUID conversation = (UUID) event[0];
				long seq = (Long) event[1];
				long storedAt = (Long) event[2];
				sent.add(lingering
					.send(new ProducerRecord<>(ChatTopics.EVENTS, partition, storedAt, conversation.toString(),
							this.codec.encode(new ChatEvent.MessagePersisted(conversation, seq, UUID.randomUUID(),
									alice, "c-" + conversation + "-" + seq,
									conversation.equals(x) ? "x" + seq : "y" + seq, Instant.ofEpochMilli(storedAt),
									List.of(alice), false, new ChatEvent.Origin(this.gatewayA, "s-1"))))));
			}
			long firstOffset = sent.get(0).get(10, TimeUnit.SECONDS).offset();
			assertThat(sent.get(4).get(10, TimeUnit.SECONDS).offset()).isEqualTo(firstOffset + 4);
		}

		List<String> bodies = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			if (next(this.atA) instanceof GatewayDelivery.MessageDelivery message) {
				bodies.add(message.message().body());
			}
		}
		assertThat(bodies).as("x's newest old message, y's recent one, each with its ack").containsExactly("x3", "y2");
		assertThat(stale.count()).as("x1, x2 and y1").isEqualTo(staleBefore + 3);
		Thread.sleep(300);
		assertThat(drain(this.atA)).isEmpty();
	}

	/**
	 * A partition this context's consumer owns: another cached context of this module
	 * runs a consumer of the same group, which may own the others.
	 */
	private int ownedPartition() {
		Collection<TopicPartition> owned = this.listeners.getListenerContainer("deliveries").getAssignedPartitions();
		assertThat(owned).as("partitions of this context's deliveries consumer").isNotEmpty();
		return owned.iterator().next().partition();
	}

	/**
	 * A producer that lingers, so that records sent together go in one batch (one poll).
	 */
	private static KafkaProducer<String, String> lingeringProducer() {
		return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
				TestInfrastructure.local().kafkaBootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, "500"),
				new StringSerializer(), new StringSerializer());
	}

	private double unreceived(String kind) {
		Counter counter = this.meters.find(DeliveryListener.UNRECEIVED_METRIC).tag("kind", kind).counter();
		return (counter != null) ? counter.count() : 0;
	}

	/**
	 * Events polled together reach a gateway in as few publishes as the limit allows, in
	 * event order: one producer batch, so one poll, holds two stored messages and a
	 * refusal, five deliveries for gateway A (each message and its ack, the error), which
	 * arrive as a batch of three and a batch of two.
	 */
	@Test
	void thePollsDeliveriesForAGatewayArriveInPublishesOfAtMostTheLimitInEventOrder() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		String bob = "bob-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1"),
					new SessionRegistry.Session(bob, this.gatewayA, "s-2")));
		UUID conversation = UUID.randomUUID();
		Counter publishes = this.meters.counter("blueprint.chat.delivery.publishes");
		double publishesBefore = publishes.count();
		int partition = ownedPartition();
		// One producer batch (linger), so one fetch and one poll hold the three records.
		try (KafkaProducer<String, String> lingering = lingeringProducer()) {
			List<Future<RecordMetadata>> sent = new ArrayList<>();
			for (ChatEvent event : List.of(
					new ChatEvent.MessagePersisted(conversation, 1, UUID.randomUUID(), alice, "c-1", "one",
							Instant.now(), List.of(alice, bob), false, new ChatEvent.Origin(this.gatewayA, "s-1")),
					new ChatEvent.MessagePersisted(conversation, 2, UUID.randomUUID(), bob, "c-2", "two", Instant.now(),
							List.of(alice, bob), false, new ChatEvent.Origin(this.gatewayA, "s-2")),
					new ChatEvent.MessageRejected(conversation, "mallory", "c-3", "not-a-member", "Not a member",
							new ChatEvent.Origin(this.gatewayA, "s-9")))) {
				sent.add(lingering.send(new ProducerRecord<>(ChatTopics.EVENTS, partition, conversation.toString(),
						this.codec.encode(event))));
			}
			long firstOffset = sent.get(0).get(10, TimeUnit.SECONDS).offset();
			assertThat(sent.get(2).get(10, TimeUnit.SECONDS).offset()).isEqualTo(firstOffset + 2);
		}

		GatewayDelivery first = published(this.atA);
		GatewayDelivery second = published(this.atA);

		assertThat(first).isInstanceOf(GatewayDelivery.Batch.class);
		assertThat(second).isInstanceOf(GatewayDelivery.Batch.class);
		List<GatewayDelivery> inFirst = ((GatewayDelivery.Batch) first).deliveries();
		List<GatewayDelivery> inSecond = ((GatewayDelivery.Batch) second).deliveries();
		assertThat(inFirst).hasSize(DELIVERIES_PER_PUBLISH);
		assertThat(inFirst.get(0)).isInstanceOfSatisfying(GatewayDelivery.MessageDelivery.class,
				(message) -> assertThat(message.message().seq()).isEqualTo(1));
		assertThat(inFirst.get(1)).isInstanceOfSatisfying(GatewayDelivery.AckDelivery.class,
				(ack) -> assertThat(ack.ack().clientMessageId()).isEqualTo("c-1"));
		assertThat(inFirst.get(2)).isInstanceOfSatisfying(GatewayDelivery.MessageDelivery.class,
				(message) -> assertThat(message.message().seq()).isEqualTo(2));
		assertThat(inSecond).hasSize(2);
		assertThat(inSecond.get(0)).isInstanceOfSatisfying(GatewayDelivery.AckDelivery.class,
				(ack) -> assertThat(ack.ack().clientMessageId()).isEqualTo("c-2"));
		assertThat(inSecond.get(1)).isInstanceOfSatisfying(GatewayDelivery.ErrorDelivery.class,
				(error) -> assertThat(error.sessionId()).isEqualTo("s-9"));
		assertThat(this.atA.poll(1, TimeUnit.SECONDS)).as("nothing more for gateway A").isNull();
		assertThat(publishes.count()).isEqualTo(publishesBefore + 2);
	}

	/**
	 * Redis holds writes (PUBLISH included; the session lookup's reads go on) for 6 s,
	 * past the 2 s command timeout: the batch's publish pipeline fails, is counted and
	 * retried, and the delivery arrives. The timed-out publishes were sent all the same
	 * and run when the pause ends, so the delivery may arrive more than once: every copy
	 * carries the same message and seq, which is what lets a client drop the repeats.
	 */
	@Test
	void aBatchWhosePublishesTimeOutIsCountedAndRetriedAndItsDeliveryArrives() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1")));
		Counter failures = this.meters.get("blueprint.chat.delivery.batch.failures").tag("stage", "publish").counter();
		double failuresBefore = failures.count();
		// registered on the first delivery: this finds it, or registers the one it
		// will use
		Counter messagesPublished = this.meters.counter("blueprint.chat.deliveries", "kind", "message");
		double publishedBefore = messagesPublished.count();
		pauseRedisWrites(Duration.ofSeconds(6));
		publish(new ChatEvent.MessagePersisted(UUID.randomUUID(), 7, UUID.randomUUID(), alice, "c-7", "through a stall",
				Instant.now(), List.of(alice), false, new ChatEvent.Origin(this.gatewayA, "s-1")));

		GatewayDelivery first = next(this.atA);
		assertThat(failures.count()).as("publish failures counted").isGreaterThan(failuresBefore);
		Thread.sleep(3000);
		List<GatewayDelivery> copies = new ArrayList<>(List.of(first));
		copies.addAll(drain(this.atA));
		List<GatewayDelivery.ChatMessage> messages = copies.stream()
			.filter(GatewayDelivery.MessageDelivery.class::isInstance)
			.map((copy) -> ((GatewayDelivery.MessageDelivery) copy).message())
			.toList();
		assertThat(messages).isNotEmpty().allSatisfy((message) -> {
			assertThat(message.seq()).isEqualTo(7);
			assertThat(message.body()).isEqualTo("through a stall");
		});
		assertThat(messagesPublished.count()).as("counted once, when its publish succeeded")
			.isEqualTo(publishedBefore + 1);
		assertThat(copies).filteredOn(GatewayDelivery.AckDelivery.class::isInstance)
			.isNotEmpty()
			.allSatisfy((ack) -> assertThat(((GatewayDelivery.AckDelivery) ack).ack().seq()).isEqualTo(7));
	}

	/**
	 * Offsets are committed after the work, not before: while Redis holds writes (20 s),
	 * the batch's publishes fail and the group's committed offset stays before the
	 * record, past the 1 s commit interval too; once a publish goes through, the commit
	 * follows. A notification-service that stopped in between would read the record
	 * again.
	 */
	@Test
	void theGroupsCommittedOffsetPassesARecordOnlyAfterItsDeliveriesArePublished() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1")));
		Counter failures = this.meters.get("blueprint.chat.delivery.batch.failures").tag("stage", "publish").counter();
		double failuresBefore = failures.count();
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
				TestInfrastructure.local().kafkaBootstrapServers()))) {
			long pausedUntil = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			pauseRedisWrites(Duration.ofSeconds(20));
			try {
				ChatEvent stored = new ChatEvent.MessagePersisted(UUID.randomUUID(), 3, UUID.randomUUID(), alice, "c-3",
						"committed after", Instant.now(), List.of(alice), false,
						new ChatEvent.Origin(this.gatewayA, "s-1"));
				RecordMetadata record = this.producer
					.send(new ProducerRecord<>(ChatTopics.EVENTS, stored.conversationId().toString(),
							this.codec.encode(stored)))
					.get(10, TimeUnit.SECONDS);
				TopicPartition partition = new TopicPartition(record.topic(), record.partition());
				while (failures.count() == failuresBefore && System.nanoTime() < pausedUntil) {
					Thread.sleep(50);
				}
				assertThat(failures.count()).as("the batch failed while Redis held writes")
					.isGreaterThan(failuresBefore);
				Thread.sleep(1500);
				long committedWhilePaused = committed(admin, partition);
				assertThat(System.nanoTime()).as("still within the pause").isLessThan(pausedUntil);

				assertThat(committedWhilePaused).as("not committed while its publishes fail")
					.isLessThanOrEqualTo(record.offset());

				GatewayDelivery delivery = next(this.atA);
				while (!(delivery instanceof GatewayDelivery.MessageDelivery)) {
					delivery = next(this.atA);
				}
				assertThat(((GatewayDelivery.MessageDelivery) delivery).message().seq()).isEqualTo(3);
				long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
				while (committed(admin, partition) <= record.offset() && System.nanoTime() < deadline) {
					Thread.sleep(200);
				}
				assertThat(committed(admin, partition)).as("committed once published").isGreaterThan(record.offset());
			}
			finally {
				this.redis.execute((RedisCallback<Object>) (connection) -> connection.execute("CLIENT",
						"UNPAUSE".getBytes(StandardCharsets.UTF_8)));
			}
		}
	}

	/** The delivery group's committed offset of a partition (-1 when none). */
	private static long committed(Admin admin, TopicPartition partition) throws Exception {
		OffsetAndMetadata offset = admin.listConsumerGroupOffsets("deliveries")
			.partitionsToOffsetAndMetadata()
			.get(10, TimeUnit.SECONDS)
			.get(partition);
		return (offset != null) ? offset.offset() : -1;
	}

	/**
	 * On one Redis server a lookup is waited for up to the command timeout (2 s), not the
	 * cluster's lookup timeout ({@value #LOOKUP_TIMEOUT} here): Redis holds every command
	 * for 1.5 s, and the delivery goes to the recipient's gateway once it answers, not to
	 * every gateway (there is no other node to ask, and every gateway would get the
	 * instance's every delivery).
	 */
	@Test
	void onOneServerASlowLookupIsWaitedForAndTheDeliveryGoesToTheRecipientsGateway() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1")));
		Counter unresolved = this.meters.counter("blueprint.chat.delivery.lookups.unresolved");
		double unresolvedBefore = unresolved.count();
		Counter lookupFailures = this.meters.get("blueprint.chat.delivery.batch.failures")
			.tag("stage", "lookup")
			.counter();
		double lookupFailuresBefore = lookupFailures.count();
		int partition = ownedPartition();
		pauseRedis(Duration.ofMillis(1500), "ALL");
		ChatEvent stored = stored(UUID.randomUUID(), 1, alice);
		this.producer
			.send(new ProducerRecord<>(ChatTopics.EVENTS, partition, stored.conversationId().toString(),
					this.codec.encode(stored)))
			.get(10, TimeUnit.SECONDS);

		assertThat(nextSeq(this.atA, alice)).isEqualTo(1);
		assertThat(messagesIn(this.atEvery)).isEmpty();
		assertThat(unresolved.count()).isEqualTo(unresolvedBefore);
		assertThat(lookupFailures.count()).as("waited for, not failed and retried").isEqualTo(lookupFailuresBefore);
	}

	/** A stored message of {@code sender} to themselves (their other devices). */
	private static ChatEvent stored(UUID conversation, long seq, String sender) {
		return new ChatEvent.MessagePersisted(conversation, seq, UUID.randomUUID(), sender, "c-" + seq, "m" + seq,
				Instant.now(), List.of(sender), false, null);
	}

	/**
	 * The seq of the next message delivery a gateway got (acks skipped), to {@code user}.
	 */
	private long nextSeq(BlockingQueue<String> queue, String user) throws InterruptedException {
		GatewayDelivery delivery = next(queue);
		while (!(delivery instanceof GatewayDelivery.MessageDelivery)) {
			delivery = next(queue);
		}
		GatewayDelivery.MessageDelivery message = (GatewayDelivery.MessageDelivery) delivery;
		assertThat(message.users()).containsExactly(user);
		return message.message().seq();
	}

	private List<GatewayDelivery> messagesIn(BlockingQueue<String> queue) {
		return drain(queue).stream().filter(GatewayDelivery.MessageDelivery.class::isInstance).toList();
	}

	/** Redis holds every write command (PUBLISH included) for {@code duration}. */
	private void pauseRedisWrites(Duration duration) {
		pauseRedis(duration, "WRITE");
	}

	/** Redis holds the commands of {@code mode} ({@code WRITE} or {@code ALL}). */
	private void pauseRedis(Duration duration, String mode) {
		this.redis.execute((RedisCallback<Object>) (connection) -> connection.execute("CLIENT",
				"PAUSE".getBytes(StandardCharsets.UTF_8),
				Long.toString(duration.toMillis()).getBytes(StandardCharsets.UTF_8),
				mode.getBytes(StandardCharsets.UTF_8)));
	}

	/**
	 * An unreadable record shares a batch with a stored message while Redis holds writes
	 * for 6 s (past the 2 s command timeout): the batch's publishes fail and the batch is
	 * attempted again until Redis takes them, yet the unreadable record reaches the
	 * dead-letter topic once (every attempt used to send another copy), and the message
	 * beside it is delivered.
	 */
	@Test
	void anUnreadableRecordIsDeadLetteredOnceThoughItsBatchIsRetried() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1")));
		UUID conversation = UUID.randomUUID();
		String unreadable = "not an event " + conversation;
		Counter failures = this.meters.get("blueprint.chat.delivery.batch.failures").tag("stage", "publish").counter();
		double failuresBefore = failures.count();
		try (KafkaConsumer<String, String> deadLetters = TopicConsumers
			.fromEnd(ChatTopics.deadLetter(ChatTopics.EVENTS), Map.of())) {
			pauseRedisWrites(Duration.ofSeconds(6));
			// One producer batch (linger), so one fetch and one poll hold both records.
			try (KafkaProducer<String, String> lingering = lingeringProducer()) {
				Future<RecordMetadata> first = lingering
					.send(new ProducerRecord<>(ChatTopics.EVENTS, conversation.toString(), unreadable));
				Future<RecordMetadata> second = lingering
					.send(new ProducerRecord<>(ChatTopics.EVENTS, conversation.toString(),
							this.codec.encode(new ChatEvent.MessagePersisted(conversation, 1, UUID.randomUUID(), alice,
									"c-9", "beside a poison record", Instant.now(), List.of(alice), false,
									new ChatEvent.Origin(this.gatewayA, "s-1")))));
				assertThat(second.get(10, TimeUnit.SECONDS).offset())
					.isEqualTo(first.get(10, TimeUnit.SECONDS).offset() + 1);
			}

			GatewayDelivery delivered = next(this.atA);
			assertThat(failures.count()).as("publish failures counted").isGreaterThan(failuresBefore);
			assertThat(delivered).isInstanceOfAny(GatewayDelivery.MessageDelivery.class,
					GatewayDelivery.AckDelivery.class);
			List<String> dead = new ArrayList<>();
			long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
			while (System.nanoTime() < deadline) {
				for (ConsumerRecord<String, String> record : deadLetters.poll(Duration.ofMillis(200))) {
					if (record.value().equals(unreadable)) {
						dead.add(record.value());
					}
				}
			}
			assertThat(dead).as("dead-lettered once").containsExactly(unreadable);
		}
	}

	/**
	 * Valid JSON without a field the routing needs (a stored message without recipients,
	 * a receipt whose recipients hold a null) is dead-lettered like unreadable text; the
	 * message after it is delivered at once, not after the batch's retries.
	 */
	@Test
	void anEventLackingAFieldOrAValueIsDeadLetteredAndTheMessageAfterItDelivered() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1")));
		UUID conversation = UUID.randomUUID();
		String noRecipients = "{\"type\":\"MessagePersisted.v1\",\"conversationId\":\"" + conversation
				+ "\",\"seq\":1,\"messageId\":\"" + UUID.randomUUID()
				+ "\",\"senderId\":\"mallory\",\"clientMessageId\":\"c-1\",\"body\":\"to nobody\","
				+ "\"sentAt\":\"2026-12-06T00:00:00Z\",\"duplicate\":false}";
		String nullRecipient = "{\"type\":\"ReceiptRecorded.v1\",\"conversationId\":\"" + conversation
				+ "\",\"userId\":\"mallory\",\"kind\":\"read\",\"seq\":1,\"at\":\"2026-12-06T00:00:00Z\","
				+ "\"recipients\":[\"" + alice + "\",null]}";
		try (KafkaConsumer<String, String> deadLetters = TopicConsumers
			.fromEnd(ChatTopics.deadLetter(ChatTopics.EVENTS), Map.of())) {
			// the last one a tombstone (no value): Jackson refused the null with an
			// IllegalArgumentException, so the batch was retried and skipped
			for (String poison : Arrays.asList(noRecipients, nullRecipient, null)) {
				this.producer.send(new ProducerRecord<>(ChatTopics.EVENTS, conversation.toString(), poison))
					.get(10, TimeUnit.SECONDS);
			}
			publish(new ChatEvent.MessagePersisted(conversation, 2, UUID.randomUUID(), "bob", "c-2", "after them",
					Instant.now(), List.of(alice, "bob"), false, new ChatEvent.Origin(this.gatewayB, "s-2")));

			String json = this.atA.poll(5, TimeUnit.SECONDS);
			assertThat(json).as("the message after them, within 5 s").isNotNull();
			assertThat(unwrap(this.codec.decodeDelivery(json))).singleElement()
				.isInstanceOfSatisfying(GatewayDelivery.MessageDelivery.class,
						(delivery) -> assertThat(delivery.message().body()).isEqualTo("after them"));
			List<String> dead = new ArrayList<>();
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (dead.size() < 3 && System.nanoTime() < deadline) {
				for (ConsumerRecord<String, String> record : deadLetters.poll(Duration.ofMillis(200))) {
					if (conversation.toString().equals(record.key())) {
						dead.add(record.value());
					}
				}
			}
			assertThat(dead).containsExactly(noRecipients, nullRecipient, null);
		}
	}

	@Test
	void aRefusalReachesTheSendingSessionsGateway() throws Exception {
		publish(new ChatEvent.MessageRejected(UUID.randomUUID(), "mallory", "c-2", "not-a-member", "Not a member",
				new ChatEvent.Origin(this.gatewayB, "s-9")));
		GatewayDelivery.ErrorDelivery error = (GatewayDelivery.ErrorDelivery) next(this.atB);
		assertThat(error.sessionId()).isEqualTo("s-9");
		assertThat(error.error().code()).isEqualTo("not-a-member");
	}

	@Test
	void aReadReceiptReachesTheOtherMembersAndTheReadersOtherSessionsGateways() throws Exception {
		String alice = "alice-" + UUID.randomUUID();
		String bob = "bob-" + UUID.randomUUID();
		new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(alice, this.gatewayA, "s-1"),
					new SessionRegistry.Session(bob, this.gatewayB, "s-2"),
					new SessionRegistry.Session(bob, this.gatewayB, "s-3")));
		UUID conversation = UUID.randomUUID();
		Instant at = Instant.parse("2026-11-28T06:00:00Z");
		publish(new ChatEvent.ReceiptRecorded(conversation, bob, GatewayDelivery.Receipt.READ, 3, at,
				List.of(alice, bob), new ChatEvent.Origin(this.gatewayB, "s-2")));
		GatewayDelivery.ReceiptDelivery atA = (GatewayDelivery.ReceiptDelivery) next(this.atA);
		assertThat(atA.users()).containsExactly(alice);
		assertThat(atA.receipt())
			.isEqualTo(new GatewayDelivery.Receipt(conversation, bob, GatewayDelivery.Receipt.READ, 3, at));
		GatewayDelivery.ReceiptDelivery atB = (GatewayDelivery.ReceiptDelivery) next(this.atB);
		assertThat(atB.users()).containsExactly(bob);
		assertThat(atB.exceptSessionId()).isEqualTo("s-2");
	}

	@Test
	void routingAnEventContinuesTheTraceOfItsRecord() throws Exception {
		Traceparent trace = Traceparent.newSampled();
		publish(new ChatEvent.MessageRejected(UUID.randomUUID(), "mallory", "c-3", "not-a-member", "Not a member",
				new ChatEvent.Origin(this.gatewayB, "s-10")), trace);
		next(this.atB);
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		SpanData route = null;
		while (route == null && System.nanoTime() < deadline) {
			route = this.spans.spans.stream()
				.filter((span) -> span.getTraceId().equals(trace.traceId()) && span.getName().equals("chat.route"))
				.findFirst()
				.orElse(null);
			Thread.sleep(50);
		}
		assertThat(route).as("a chat.route span in trace " + trace.traceId()).isNotNull();
		assertThat(route.getParentSpanId()).isEqualTo(trace.spanId());
	}

	private void publish(ChatEvent event) throws Exception {
		this.producer
			.send(new ProducerRecord<>(ChatTopics.EVENTS, event.conversationId().toString(), this.codec.encode(event)))
			.get(10, TimeUnit.SECONDS);
	}

	private void publish(ChatEvent event, Traceparent trace) throws Exception {
		this.producer
			.send(new ProducerRecord<>(ChatTopics.EVENTS, null, event.conversationId().toString(),
					this.codec.encode(event),
					List.of(new RecordHeader(Traceparent.HEADER, trace.toString().getBytes(StandardCharsets.UTF_8)))))
			.get(10, TimeUnit.SECONDS);
	}

	/**
	 * The next delivery a gateway got: the next publish, or the next delivery of a batch
	 * published before it.
	 */
	private GatewayDelivery next(BlockingQueue<String> queue) throws InterruptedException {
		Deque<GatewayDelivery> unread = this.unread.computeIfAbsent(queue, (key) -> new ArrayDeque<>());
		if (unread.isEmpty()) {
			String json = queue.poll(30, TimeUnit.SECONDS);
			assertThat(json).as("a delivery within 30 s").isNotNull();
			unread.addAll(unwrap(this.codec.decodeDelivery(json)));
		}
		return unread.removeFirst();
	}

	/** The next publish a gateway got, as published (a batch stays one). */
	private GatewayDelivery published(BlockingQueue<String> queue) throws InterruptedException {
		String json = queue.poll(30, TimeUnit.SECONDS);
		assertThat(json).as("a publish within 30 s").isNotNull();
		return this.codec.decodeDelivery(json);
	}

	/** Every delivery a gateway got and the test has not read yet. */
	private List<GatewayDelivery> drain(BlockingQueue<String> queue) {
		List<GatewayDelivery> deliveries = new ArrayList<>(this.unread.getOrDefault(queue, new ArrayDeque<>()));
		this.unread.remove(queue);
		List<String> published = new ArrayList<>();
		queue.drainTo(published);
		published.forEach((json) -> deliveries.addAll(unwrap(this.codec.decodeDelivery(json))));
		return deliveries;
	}

	private static List<GatewayDelivery> unwrap(GatewayDelivery delivery) {
		return (delivery instanceof GatewayDelivery.Batch batch) ? batch.deliveries() : List.of(delivery);
	}

	/**
	 * Every span the service ends, kept in memory: Spring Boot hands every SpanExporter
	 * bean to its span processor.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class CollectedSpans implements SpanExporter {

		final Collection<SpanData> spans = new CopyOnWriteArrayList<>();

		@Override
		public CompletableResultCode export(Collection<SpanData> batch) {
			this.spans.addAll(batch);
			return CompletableResultCode.ofSuccess();
		}

		@Override
		public CompletableResultCode flush() {
			return CompletableResultCode.ofSuccess();
		}

		@Override
		public CompletableResultCode shutdown() {
			return CompletableResultCode.ofSuccess();
		}

	}

}
