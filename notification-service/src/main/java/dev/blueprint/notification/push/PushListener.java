package dev.blueprint.notification.push;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.delivery.ListeningGateways;
import dev.blueprint.notification.notifications.NotificationService;
import dev.blueprint.notification.notifications.NotificationStore;
import dev.blueprint.notification.notifications.core.Notification;
import dev.blueprint.notification.push.core.PushPlanner;
import dev.blueprint.notification.notifications.core.NotificationKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.kafka.annotation.KafkaListener;

/**
 * Store and forward for offline members. Reads {@code chat.messages.events} in its own
 * consumer group, apart from the live routing ({@code DeliveryListener}), so nothing here
 * can slow a delivery. Per polled batch: one pipelined Redis lookup of the recipients'
 * sessions and one {@code PUBSUB NUMSUB} of their gateways ({@link ListeningGateways});
 * for each recipient with none on a gateway that listens (not the sender), unless they
 * muted the conversation, the message is folded into their notification for the
 * conversation (Cassandra), and each changed notification is handed to the
 * {@link PushDispatcher}, which sends it on its own threads. Offsets are committed after
 * the notifications are stored; a batch consumed twice changes nothing (a notification
 * never counts a seq at or below its latest).
 * <p>
 * Unreadable records are skipped here: the delivery listener dead-letters them.
 */
public class PushListener {

	private static final Logger logger = LoggerFactory.getLogger(PushListener.class);

	private final SessionRegistry sessions;

	private final NotificationStore store;

	private final NotificationService notifications;

	private final PushDispatcher dispatcher;

	private final ChatEventCodec codec;

	private final Counter created;

	private final Counter collapsed;

	private final Counter muted;

	private final Counter failures;

	private final ListeningGateways gateways;

	private final Counter unreachable;

	public PushListener(SessionRegistry sessions, ListeningGateways gateways, NotificationStore store,
			NotificationService notifications, PushDispatcher dispatcher, ChatEventCodec codec, MeterRegistry meters) {
		this.sessions = sessions;
		this.gateways = gateways;
		this.unreachable = Counter.builder("blueprint.chat.push.recipients.unreachable")
			.description("Recipients with live leases only on gateways that stopped listening (died): "
					+ "notified as offline")
			.register(meters);
		this.store = store;
		this.notifications = notifications;
		this.dispatcher = dispatcher;
		this.codec = codec;
		this.created = notificationCounter(meters, "new");
		this.collapsed = notificationCounter(meters, "collapsed");
		this.muted = Counter.builder("blueprint.chat.notifications.muted")
			.description("Offline recipients not notified because they muted the conversation")
			.register(meters);
		this.failures = Counter.builder("blueprint.chat.push.batch.failures")
			.description("Push listener batches that failed (Redis or Cassandra) and are retried, then skipped")
			.register(meters);
	}

	private static Counter notificationCounter(MeterRegistry meters, String kind) {
		return Counter.builder("blueprint.chat.notifications.stored")
			.description("Notifications stored for offline recipients: new, or collapsed into an unseen one")
			.tag("kind", kind)
			.register(meters);
	}

	@KafkaListener(id = "push", groupId = "${notification.push.consumer-group:notification-push}",
			topics = ChatTopics.EVENTS, containerFactory = "pushListenerContainerFactory", batch = "true",
			properties = { "auto.offset.reset=latest",
					"fetch.max.wait.ms=#{@'notification-dev.blueprint.notification.NotificationProperties'.push().fetchMaxWait().toMillis()}",
					"fetch.min.bytes=#{@'notification-dev.blueprint.notification.NotificationProperties'.push().fetchMinBytes()}" })
	public void onBatch(List<ConsumerRecord<String, String>> records) {
		List<ChatEvent> events = new ArrayList<>(records.size());
		for (ConsumerRecord<String, String> record : records) {
			try {
				events.add(this.codec.decode(record.value()));
			}
			catch (ChatEventCodec.MalformedEventException ex) {
				// dead-lettered by the delivery listener
			}
		}
		List<MessagePersisted> messages = PushPlanner.newMessages(events);
		if (messages.isEmpty()) {
			return;
		}
		try {
			notify(messages);
		}
		catch (RuntimeException ex) {
			// Spring's retries of a batch log nothing above DEBUG: without this a batch
			// failing on Redis or Cassandra went unseen until it was skipped
			this.failures.increment();
			logger.warn("Recording the notifications of a batch of {} messages failed; the batch is retried "
					+ "(notification.push.listener-retries), then skipped: {}", messages.size(), ex.toString());
			throw ex;
		}
	}

	private void notify(List<MessagePersisted> messages) {
		Set<String> online = online(this.sessions.gatewaysOf(PushPlanner.recipients(messages)));
		Map<NotificationKey, List<MessagePersisted>> offline = PushPlanner.offline(messages, online);
		if (offline.isEmpty()) {
			return;
		}
		Set<NotificationKey> mutedKeys = this.store.muted(offline.keySet());
		this.notifications.record(PushPlanner.withoutMuted(offline, mutedKeys), (notification) -> {
			// A notification started in this batch was created and updated at the same
			// instant.
			boolean fresh = notification.createdAt().equals(notification.updatedAt());
			(fresh ? this.created : this.collapsed).increment();
			this.dispatcher.submit(push(notification));
		});
		// Once the batch's notifications are recorded: a batch that fails and is retried
		// counted its muted recipients on every attempt.
		this.muted.increment(mutedKeys.size());
	}

	/**
	 * The recipients with a live session on a gateway that still listens: a user whose
	 * leases are all on gateways that stopped listening (died; their leases live on for
	 * up to a lease) is offline, and notified. Until 2026-12-07 such a user counted as
	 * online, and the messages of those 30 s reached them neither live nor by push.
	 */
	private Set<String> online(Map<String, Set<String>> gatewaysOfUsers) {
		Set<String> gateways = new HashSet<>();
		gatewaysOfUsers.values().forEach(gateways::addAll);
		Set<String> listening = this.gateways.of(gateways);
		Set<String> online = new HashSet<>();
		gatewaysOfUsers.forEach((user, ofUser) -> {
			if (ofUser.stream().anyMatch(listening::contains)) {
				online.add(user);
			}
			else {
				this.unreachable.increment();
			}
		});
		return online;
	}

	static Push push(Notification n) {
		return new Push(n.id(), n.userId(), n.conversationId(), n.count(), n.firstSeq(), n.latestSeq(),
				n.latestMessageId(), n.senderId(), n.preview(),
				new NotificationKey(n.userId(), n.conversationId()).collapseKey(), n.createdAt(), n.updatedAt());
	}

}
