package dev.blueprint.notification.push;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.PushDeadLettered;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.delivery.ListeningGateways;
import dev.blueprint.notification.push.core.RetryPolicy;
import dev.blueprint.notification.support.PushIntegrationTest;
import dev.blueprint.notification.support.WebhookReceiver;
import dev.blueprint.testsupport.TopicConsumers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;

import static org.assertj.core.api.Assertions.assertThat;

class PushIntegrationTests extends PushIntegrationTest {

	/** Subscriptions of the gateways a test has listen ({@link #listening}). */
	private RedisMessageListenerContainer gateways;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	RedisConnectionFactory connections;

	@Autowired
	MeterRegistry meters;

	@Autowired
	KafkaListenerEndpointRegistry listeners;

	@Autowired
	KafkaTemplate<String, String> kafka;

	@Test
	void thePushListenerFetchesInLargerRarerBatchesThanLiveDelivery() {
		Properties push = this.listeners.getListenerContainer("push")
			.getContainerProperties()
			.getKafkaConsumerProperties();

		assertThat(push).containsEntry("fetch.max.wait.ms", "500").containsEntry("fetch.min.bytes", "65536");
	}

	private SessionRegistry registry(Clock clock) {
		return new SessionRegistry(this.redis, Duration.ofSeconds(30), clock);
	}

	/**
	 * {@code user} has a live session on {@code gateway}, which listens on its channel.
	 */
	private void online(String user, String gateway) throws InterruptedException {
		listening(gateway);
		registry(Clock.systemUTC()).renew(List.of(new SessionRegistry.Session(user, gateway, "s-" + user)));
	}

	/** A gateway listening on its delivery channel, as a live one does. */
	private void listening(String gateway) throws InterruptedException {
		if (this.gateways == null) {
			this.gateways = new RedisMessageListenerContainer();
			this.gateways.setConnectionFactory(this.connections);
			this.gateways.afterPropertiesSet();
			this.gateways.start();
		}
		String channel = GatewayDelivery.channel(gateway);
		this.gateways.addMessageListener((message, pattern) -> {
		}, new ChannelTopic(channel));
		await("subscribed to " + channel, Duration.ofSeconds(10), () -> subscribers(channel) > 0);
	}

	private long subscribers(String channel) {
		String gateway = channel.substring(GatewayDelivery.channel("").length());
		return new ListeningGateways(this.redis, Duration.ofSeconds(2), Duration.ZERO, new SimpleMeterRegistry())
			.of(List.of(gateway))
			.size();
	}

	@AfterEach
	void stopListening() throws Exception {
		if (this.gateways != null) {
			this.gateways.destroy();
		}
	}

	/**
	 * A user whose only live lease is on a gateway that stopped listening (it died; the
	 * lease lives up to 30 s more) gets the message by push: it reached them neither live
	 * (nobody received the publish) nor, until 2026-12-07, by push, as they counted as
	 * online. One on a listening gateway still gets nothing.
	 */
	@Test
	void aUserWhoseGatewayStoppedListeningIsNotifiedWhileTheLeaseLives() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		registry(Clock.systemUTC()).renew(List.of(new SessionRegistry.Session(bob, "gw-dead-" + bob, "s-" + bob)));
		online(carol, "gw-" + carol);
		double unreachable = this.meters.get("blueprint.chat.push.recipients.unreachable").counter().count();
		UUID conversation = UUID.randomUUID();
		persisted(conversation, alice, List.of(alice, bob, carol), 1, "while bob's gateway is gone");

		await("bob's push", Duration.ofSeconds(30), () -> !webhook.receivedFor(bob).isEmpty());
		assertThat(notificationsOf(bob, conversation)).singleElement()
			.satisfies((n) -> assertThat(n).containsEntry("count", 1));
		assertThat(this.meters.get("blueprint.chat.push.recipients.unreachable").counter().count())
			.isGreaterThan(unreachable);
		assertThat(notificationsOf(carol, conversation)).isEmpty();
		assertThat(webhook.receivedFor(carol)).isEmpty();
	}

	@Test
	void anOfflineMemberGetsOneNotificationCollapsingThreeMessagesAndTheOnlineMemberAndTheSenderNone()
			throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		online(carol, "gw-" + carol);
		UUID conversation = UUID.randomUUID();
		List<ChatEvent.MessagePersisted> sent = persisted(conversation, alice, List.of(alice, bob, carol), 1, "one",
				"two", "three is the latest");

		await("bob's notification counting 3", Duration.ofSeconds(30), () -> notificationsOf(bob, conversation).stream()
			.anyMatch((n) -> ((Number) n.get("count")).intValue() == 3));
		List<Map<String, Object>> bobs = notificationsOf(bob, conversation);
		assertThat(bobs).singleElement().satisfies((n) -> {
			assertThat(n).containsEntry("firstSeq", 1).containsEntry("latestSeq", 3).containsEntry("seen", false);
			assertThat(n).containsEntry("senderId", alice).containsEntry("preview", "three is the latest");
			assertThat(n).containsEntry("latestMessageId", sent.get(2).messageId().toString());
		});
		// The pushes collapse too: one key, the last one counts all three.
		await("a push counting 3", Duration.ofSeconds(30),
				() -> webhook.receivedFor(bob).stream().anyMatch((r) -> r.push().count() == 3));
		List<WebhookReceiver.Received> pushes = webhook.receivedFor(bob);
		assertThat(pushes).hasSizeBetween(1, 3)
			.allSatisfy((r) -> assertThat(r.push().collapseKey()).isEqualTo(bob + ":" + conversation));
		assertThat(pushes).extracting((r) -> r.push().notificationId().toString())
			.containsOnly((String) bobs.get(0).get("id"));
		assertThat(notificationsOf(carol, conversation)).isEmpty();
		assertThat(notificationsOf(alice, conversation)).isEmpty();
		assertThat(webhook.receivedFor(carol)).isEmpty();
		assertThat(webhook.receivedFor(alice)).isEmpty();
	}

	@Test
	void aStoredMessageWithoutRecipientsIsSkippedAndTheNextOneNotifiesAtOnce() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = UUID.randomUUID();
		String noRecipients = "{\"type\":\"MessagePersisted.v1\",\"conversationId\":\"" + conversation
				+ "\",\"seq\":1,\"messageId\":\"" + UUID.randomUUID() + "\",\"senderId\":\"" + alice
				+ "\",\"clientMessageId\":\"c-1\",\"body\":\"to nobody\","
				+ "\"sentAt\":\"2026-12-06T00:00:00Z\",\"duplicate\":false}";
		this.producer.send(new ProducerRecord<>(ChatTopics.EVENTS, conversation.toString(), noRecipients))
			.get(10, TimeUnit.SECONDS);

		persisted(conversation, alice, List.of(alice, bob), 2, "after it");

		await("bob's notification of the message after it", Duration.ofSeconds(10),
				() -> !notificationsOf(bob, conversation).isEmpty());
		assertThat(notificationsOf(bob, conversation)).singleElement()
			.satisfies((n) -> assertThat(n).containsEntry("firstSeq", 2).containsEntry("count", 1));
	}

	@Test
	void aMemberWhoMutedTheConversationGetsNoNotificationAndNoPush() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID muted = UUID.randomUUID();
		assertThat(put(bob, "/api/v1/notifications/mutes/" + muted).statusCode()).isEqualTo(204);
		RecordMetadata last = null;
		for (ChatEvent.MessagePersisted event : persisted(muted, alice, List.of(alice, bob), 1, "psst", "hey")) {
			last = publish(event);
		}
		barrier(last, bob);
		assertThat(notificationsOf(bob, muted)).isEmpty();
		assertThat(webhook.receivedFor(bob)).noneMatch((r) -> r.push().conversationId().equals(muted));
		// Unmuted, the next message notifies again.
		assertThat(delete(bob, "/api/v1/notifications/mutes/" + muted).statusCode()).isEqualTo(204);
		persisted(muted, alice, List.of(alice, bob), 3, "now you hear me");
		await("bob's notification after unmuting", Duration.ofSeconds(30),
				() -> !notificationsOf(bob, muted).isEmpty());
		assertThat(notificationsOf(bob, muted)).singleElement()
			.satisfies((n) -> assertThat(n).containsEntry("count", 1));
	}

	@Test
	void aUserWithOneLiveDeviceAndOneGoneIsOnlineAndGetsNothing() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		// The phone's lease ended a minute ago (its gateway died); the laptop is live.
		registry(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-90)))
			.renew(List.of(new SessionRegistry.Session(bob, "gw-phone", "s-phone")));
		listening("gw-laptop");
		registry(Clock.systemUTC()).renew(List.of(new SessionRegistry.Session(bob, "gw-laptop", "s-laptop")));
		assertThat(registry(Clock.systemUTC()).sessionsOf(List.of(bob)).get(bob)).singleElement()
			.satisfies((session) -> assertThat(session.gatewayId()).isEqualTo("gw-laptop"));
		UUID conversation = UUID.randomUUID();
		ChatEvent.MessagePersisted event = persisted(conversation, alice, List.of(alice, bob), 1, "hi").get(0);
		RecordMetadata where = publish(event);
		barrier(where, "someone-" + bob);
		assertThat(notificationsOf(bob, conversation)).isEmpty();
		assertThat(webhook.receivedFor(bob)).isEmpty();
	}

	@Test
	void aWebhookFailingTwiceThenSucceedingDeliversOnceAfterBackingOff() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		webhook.script(bob, 500, 503, 200);
		double retriesBefore = attempts("retry");
		double successesBefore = attempts("success");
		persisted(UUID.randomUUID(), alice, List.of(alice, bob), 1, "are you there?");

		await("three attempts", Duration.ofSeconds(30), () -> webhook.receivedFor(bob).size() >= 3);
		Thread.sleep(1000);
		List<WebhookReceiver.Received> attempts = webhook.receivedFor(bob);
		assertThat(attempts).extracting(WebhookReceiver.Received::status).containsExactly(500, 503, 200);
		assertThat(attempts).extracting((r) -> r.push().notificationId())
			.containsOnly(attempts.get(0).push().notificationId());
		// 200 ms then 400 ms, each less up to half its jitter.
		assertThat(Duration.between(attempts.get(0).at(), attempts.get(1).at()))
			.isGreaterThanOrEqualTo(Duration.ofMillis(100));
		assertThat(Duration.between(attempts.get(1).at(), attempts.get(2).at()))
			.isGreaterThanOrEqualTo(Duration.ofMillis(200));
		assertThat(attempts("retry") - retriesBefore).isGreaterThanOrEqualTo(2);
		assertThat(attempts("success") - successesBefore).isGreaterThanOrEqualTo(1);
	}

	@Test
	void aWebhookThatAlwaysFailsEndsOnTheDeadLetterTopicAndTheNotificationStays() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		webhook.always(bob, 500);
		double parkedBefore = this.meters.counter("blueprint.chat.push.dead.letters", "reason", "attempts-exhausted")
			.count();
		try (KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
			UUID conversation = UUID.randomUUID();
			persisted(conversation, alice, List.of(alice, bob), 1, "lost in the void");

			PushDeadLettered record = awaitDeadLetter(deadLetters, bob);
			// Counted once Kafka has acknowledged it, which can come after a consumer
			// read it.
			await("the dead letter counted", Duration.ofSeconds(10),
					() -> this.meters.counter("blueprint.chat.push.dead.letters", "reason", "attempts-exhausted")
						.count() > parkedBefore);
			assertThat(this.meters.counter("blueprint.chat.push.dead.letter.failures", "reason", "attempts-exhausted")
				.count()).isZero();
			assertThat(record.reason()).isEqualTo("attempts-exhausted");
			assertThat(record.attempts()).isEqualTo(3);
			assertThat(record.provider()).isEqualTo("webhook");
			assertThat(record.lastError()).contains("500");
			assertThat(record.push().conversationId()).isEqualTo(conversation);
			assertThat(record.push().latestSeq()).isEqualTo(1);
			assertThat(webhook.receivedFor(bob)).hasSize(3);
			assertThat(notificationsOf(bob, conversation)).singleElement()
				.satisfies((n) -> assertThat(n).containsEntry("count", 1));
		}
	}

	/**
	 * Until 2026-12-07 a shutdown (every rolling restart) dropped the pushes waiting for
	 * a retry or a worker: neither sent nor dead-lettered.
	 */
	@Test
	void thePushesStillPendingWhenTheServiceStopsAreDeadLetteredForAReplay() throws Exception {
		String bob = unique("bob");
		String carol = unique("carol");
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		PushProvider failing = new PushProvider() {

			@Override
			public String name() {
				return "failing";
			}

			@Override
			public void send(PushDeadLettered.Push push) throws PushException {
				throw new PushException("503 from the provider", true);
			}

		};
		// a retry in 30 s at the earliest: both still pending when it stops
		PushDispatcher dispatcher = new PushDispatcher(failing,
				new RetryPolicy(6, Duration.ofSeconds(30), 2, Duration.ofSeconds(60), 0, Duration.ofMinutes(2)), 1, 10,
				this.kafka, meters, Clock.systemUTC());
		try (KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
			dispatcher.submit(push(bob));
			dispatcher.submit(push(carol));
			await("both tried once", Duration.ofSeconds(10),
					() -> meters.counter("blueprint.chat.push.attempts", "provider", "failing", "outcome", "retry")
						.count() == 2);

			dispatcher.close();

			Map<String, PushDeadLettered> records = awaitDeadLetters(deadLetters, List.of(bob, carol));
			for (String user : List.of(bob, carol)) {
				PushDeadLettered record = records.get(user);
				assertThat(record.reason()).isEqualTo("shutdown");
				assertThat(record.attempts()).isEqualTo(1);
				assertThat(record.provider()).isEqualTo("failing");
				assertThat(record.push().userId()).isEqualTo(user);
			}
			assertThat(meters.counter("blueprint.chat.push.dead.letters", "reason", "shutdown").count())
				.as("counted once Kafka had them, before close returned")
				.isEqualTo(2);
			assertThat(dispatcher.pending()).isZero();
		}
	}

	private static PushDeadLettered.Push push(String user) {
		return new PushDeadLettered.Push(UUID.randomUUID(), user, UUID.randomUUID(), 2, 3, 4, UUID.randomUUID(),
				"alice", "hi", user + ":x", Instant.now(), Instant.now());
	}

	@Test
	void aRefusedPushIsDeadLetteredAndTheNewerPushThatReplacedItMeanwhileIsSent() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		webhook.script(bob, WebhookReceiver.HANG_THEN_REFUSE);
		try (KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
			UUID conversation = UUID.randomUUID();
			persisted(conversation, alice, List.of(alice, bob), 1, "first");
			await("the first push on its way", Duration.ofSeconds(30), () -> webhook.receivedFor(bob).size() == 1);
			persisted(conversation, alice, List.of(alice, bob), 2, "second");
			await("the notification counting 2", Duration.ofSeconds(30),
					() -> notificationsOf(bob, conversation).stream()
						.anyMatch((n) -> ((Number) n.get("count")).intValue() == 2));
			Thread.sleep(500);
			webhook.releaseHanging();

			// Until 2026-12-06 the refusal of the first dead-lettered the second, never
			// sent
			PushDeadLettered record = awaitDeadLetter(deadLetters, bob);
			assertThat(record.reason()).isEqualTo("rejected");
			assertThat(record.push().count()).isEqualTo(1);
			await("the newer push sent", Duration.ofSeconds(30),
					() -> webhook.receivedFor(bob)
						.stream()
						.anyMatch((r) -> r.status() == 200 && r.push().count() == 2));
		}
	}

	@Test
	void aHangingWebhookDoesNotDelayLiveDelivery() throws Exception {
		String gateway = "gw-live-" + UUID.randomUUID();
		BlockingQueue<String> atGateway = new LinkedBlockingQueue<>();
		RedisMessageListenerContainer subscriptions = new RedisMessageListenerContainer();
		subscriptions.setConnectionFactory(this.connections);
		subscriptions.addMessageListener((message, pattern) -> atGateway.add(new String(message.getBody())),
				new ChannelTopic(GatewayDelivery.channel(gateway)));
		subscriptions.afterPropertiesSet();
		subscriptions.start();
		List<String> hung = new java.util.ArrayList<>();
		try {
			Thread.sleep(300);
			String alice = unique("alice");
			String carol = unique("carol");
			online(carol, gateway);
			// More offline users than push threads, each one's webhook call hanging.
			for (int i = 0; i < 4; i++) {
				String offline = unique("offline");
				hung.add(offline);
				webhook.always(offline, WebhookReceiver.HANG);
				persisted(UUID.randomUUID(), alice, List.of(alice, offline), 1, "into the void " + i);
			}
			await("both push threads hanging", Duration.ofSeconds(30), () -> webhook.hanging() >= 2);

			UUID conversation = UUID.randomUUID();
			long start = System.nanoTime();
			persisted(conversation, alice, List.of(alice, carol), 1, "live");
			GatewayDelivery.MessageDelivery delivery = null;
			while (delivery == null) {
				String json = atGateway.poll(5, TimeUnit.SECONDS);
				assertThat(json).as("a live delivery within 5 s while the webhook hangs").isNotNull();
				if (this.codec.decodeDelivery(json) instanceof GatewayDelivery.MessageDelivery message
						&& message.message().conversationId().equals(conversation)) {
					delivery = message;
				}
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			assertThat(delivery.users()).containsExactly(carol);
			assertThat(webhook.hanging()).as("still hanging when the delivery arrived").isGreaterThanOrEqualTo(2);
		}
		finally {
			hung.forEach(webhook::forget);
			webhook.releaseHanging();
			subscriptions.destroy();
		}
	}

	@Test
	void healthShowsTheProviderAndItsCircuitBreaker() throws Exception {
		// Details for a caller with a token only.
		assertThat(get(null, "/actuator/health/push").body()).doesNotContain("circuitBreaker");
		var response = get("operator", "/actuator/health/push");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat((String) json(response, "$.status")).isEqualTo("UP");
		assertThat((String) json(response, "$.details.provider")).isEqualTo("webhook");
		assertThat((String) json(response, "$.details.circuitBreaker")).isEqualTo("CLOSED");
		assertThat(this.meters.find("resilience4j.circuitbreaker.state")
			.tag("name", "push-webhook")
			.tag("state", "closed")
			.gauge()).isNotNull();
	}

	private double attempts(String outcome) {
		return this.meters.counter("blueprint.chat.push.attempts", "provider", "webhook", "outcome", outcome).count();
	}

	private KafkaConsumer<String, String> deadLetterConsumer() {
		return TopicConsumers.fromEnd(PushDeadLettered.TOPIC, Map.of());
	}

	private PushDeadLettered awaitDeadLetter(KafkaConsumer<String, String> consumer, String user) {
		return awaitDeadLetters(consumer, List.of(user)).get(user);
	}

	/** The first dead letter of each user, read within 30 s. */
	private Map<String, PushDeadLettered> awaitDeadLetters(KafkaConsumer<String, String> consumer, List<String> users) {
		JsonMapper json = JsonMapper.builder().build();
		Map<String, PushDeadLettered> found = new java.util.HashMap<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (System.nanoTime() < deadline && found.size() < users.size()) {
			for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
				if (users.contains(record.key())) {
					found.putIfAbsent(record.key(), json.readValue(record.value(), PushDeadLettered.class));
				}
			}
		}
		if (found.size() < users.size()) {
			throw new AssertionError("no dead letter for some of " + users + " within 30 s (at " + Instant.now()
					+ "): found " + found.keySet());
		}
		return found;
	}

}
