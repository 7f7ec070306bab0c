package dev.blueprint.notification.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the push and notifications integration tests: the whole service on a random
 * port against the build's real Redis, Kafka and Cassandra, with the webhook provider
 * pointed at a real local HTTP server ({@link WebhookReceiver}). Short back-offs so
 * retries take under a second; the breaker needs 1,000 calls, so only the webhook's
 * scripts decide outcomes here (WebhookPushProviderTests covers the breaker). Tests
 * publish {@code MessagePersisted} events as chat-message-service would and isolate their
 * data with fresh users and conversations.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "notification.push.provider=webhook", "notification.push.concurrency=2",
				"notification.push.webhook.timeout=20s", "notification.push.retry.max-attempts=3",
				"notification.push.retry.initial-backoff=200ms", "notification.push.retry.multiplier=2",
				"notification.push.retry.jitter=0.5", "notification.push.retry.max-total=20s",
				"notification.push.circuit-breaker.minimum-calls=1000",
				"notification.push.circuit-breaker.sliding-window-size=1000" })
@RealInfrastructure
public abstract class PushIntegrationTest {

	protected static final WebhookReceiver webhook = new WebhookReceiver();

	private static volatile boolean pushConsumerReady;

	protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	protected final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	protected int port;

	@Autowired
	KafkaListenerEndpointRegistry listeners;

	protected KafkaProducer<String, String> producer;

	@DynamicPropertySource
	static void webhookUrl(DynamicPropertyRegistry registry) {
		registry.add("notification.push.webhook.url", webhook::url);
	}

	@BeforeEach
	void connectKafka() throws Exception {
		this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
				TestInfrastructure.local().kafkaBootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
				new StringSerializer(), new StringSerializer());
		awaitPushConsumer();
	}

	@AfterEach
	void closeKafka() {
		webhook.releaseHanging();
		this.producer.close(Duration.ofSeconds(5));
	}

	/**
	 * A new push consumer group starts at the latest offset: wait until it owns its
	 * partitions and has settled its positions, or the first events could be skipped.
	 */
	private void awaitPushConsumer() throws InterruptedException {
		if (pushConsumerReady) {
			return;
		}
		EventsTopic.declare();
		MessageListenerContainer push = this.listeners.getListenerContainer("push");
		await("push consumer assigned", Duration.ofSeconds(60),
				() -> push.getAssignedPartitions() != null && !push.getAssignedPartitions().isEmpty());
		Thread.sleep(2000);
		pushConsumerReady = true;
	}

	protected static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** Publishes stored messages {@code fromSeq..} of a conversation from a sender. */
	protected List<ChatEvent.MessagePersisted> persisted(UUID conversation, String sender, List<String> members,
			long fromSeq, String... bodies) throws Exception {
		List<ChatEvent.MessagePersisted> events = new ArrayList<>();
		long seq = fromSeq;
		for (String body : bodies) {
			ChatEvent.MessagePersisted event = new ChatEvent.MessagePersisted(conversation, seq++, UUID.randomUUID(),
					sender, "c-" + seq, body, Instant.now(), members, false,
					new ChatEvent.Origin("gw-test", "s-" + sender));
			publish(event);
			events.add(event);
		}
		return events;
	}

	protected RecordMetadata publish(ChatEvent event) throws Exception {
		return this.producer
			.send(new ProducerRecord<>(ChatTopics.EVENTS, event.conversationId().toString(), this.codec.encode(event)))
			.get(10, TimeUnit.SECONDS);
	}

	/**
	 * Publishes a message for {@code user} in a fresh conversation on the same partition
	 * as {@code after} and waits until it is notified: the push listener reads a
	 * partition in order, so by then everything before it on that partition was
	 * processed.
	 */
	protected void barrier(RecordMetadata after, String user) throws Exception {
		UUID conversation = UUID.randomUUID();
		ChatEvent.MessagePersisted event = new ChatEvent.MessagePersisted(conversation, 1, UUID.randomUUID(),
				"barrier-sender", "c-barrier", "barrier", Instant.now(), List.of("barrier-sender", user), false,
				new ChatEvent.Origin("gw-test", "s-barrier"));
		this.producer
			.send(new ProducerRecord<>(ChatTopics.EVENTS, after.partition(), conversation.toString(),
					this.codec.encode(event)))
			.get(10, TimeUnit.SECONDS);
		await("the barrier notification of " + user, Duration.ofSeconds(30), () -> notifications(user).stream()
			.anyMatch((n) -> conversation.toString().equals(n.get("conversationId"))));
	}

	/** The user's notifications (all, first page of 100) as JSON maps. */
	protected List<Map<String, Object>> notifications(String user) {
		try {
			HttpResponse<String> response = get(user, "/api/v1/notifications?limit=100");
			if (response.statusCode() != 200) {
				throw new AssertionError("listing failed: " + response.statusCode() + " " + response.body());
			}
			return JsonPath.read(response.body(), "$.items");
		}
		catch (IOException ex) {
			throw new AssertionError(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
	}

	protected List<Map<String, Object>> notificationsOf(String user, UUID conversation) {
		return notifications(user).stream()
			.filter((n) -> conversation.toString().equals(n.get("conversationId")))
			.toList();
	}

	protected URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	protected HttpResponse<String> get(String user, String path) throws IOException, InterruptedException {
		return send(user, HttpRequest.newBuilder(uri(path)).GET());
	}

	protected HttpResponse<String> post(String user, String path) throws IOException, InterruptedException {
		return send(user, HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
	}

	protected HttpResponse<String> put(String user, String path) throws IOException, InterruptedException {
		return send(user, HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.noBody()));
	}

	protected HttpResponse<String> delete(String user, String path) throws IOException, InterruptedException {
		return send(user, HttpRequest.newBuilder(uri(path)).DELETE());
	}

	private HttpResponse<String> send(String user, HttpRequest.Builder request)
			throws IOException, InterruptedException {
		request.timeout(Duration.ofSeconds(30));
		if (user != null) {
			request.header("Authorization", TestTokens.bearer(user));
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	protected static <T> T json(HttpResponse<String> response, String path) {
		return JsonPath.read(response.body(), path);
	}

	protected static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out waiting for " + what);
			}
			Thread.sleep(50);
		}
	}

}
