package dev.blueprint.chat.message.support;

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

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.TopicConsumers;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Base of the service's integration tests: the whole application on a random port against
 * the build's real Kafka and Cassandra, a plain producer standing in for the gateways and
 * a read_committed consumer standing in for notification-service. Tests isolate their
 * data with fresh users and conversations. Trace propagation is on (W3C
 * {@code traceparent} on the records), as in production.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "chat.storage.bucket-size=50" })
@AutoConfigureMetrics
@AutoConfigureTracing
@RealInfrastructure
public abstract class ChatIntegrationTest {

	protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	protected final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	protected int port;

	protected KafkaProducer<String, String> producer;

	protected KafkaConsumer<String, String> events;

	private final List<ChatEvent> received = new ArrayList<>();

	@BeforeEach
	void connectKafka() {
		String bootstrap = TestInfrastructure.local().kafkaBootstrapServers();
		this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
				ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(),
				new StringSerializer());
		this.events = TopicConsumers.fromEnd(ChatTopics.EVENTS,
				Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
	}

	@AfterEach
	void closeKafka() {
		this.producer.close(Duration.ofSeconds(5));
		this.events.close(Duration.ofSeconds(5));
	}

	protected static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** Submits a message as a gateway would. */
	protected UUID submit(UUID conversation, String sender, String clientMessageId, String body) throws Exception {
		UUID messageId = UUID.randomUUID();
		send(new ChatEvent.MessageSubmitted(conversation, messageId, sender, clientMessageId, body, Instant.now(),
				new ChatEvent.Origin("test-gateway", "session-" + sender)));
		return messageId;
	}

	protected void send(ChatEvent event) throws Exception {
		sendRaw(event.conversationId().toString(), this.codec.encode(event));
	}

	protected void sendRaw(String key, String value) throws Exception {
		this.producer.send(new ProducerRecord<>(ChatTopics.SUBMITTED, key, value)).get(10, TimeUnit.SECONDS);
	}

	/** Waits for {@code count} events of a conversation on the events topic, in order. */
	protected List<ChatEvent> awaitEvents(UUID conversation, int count, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			List<ChatEvent> matching = this.received.stream()
				.filter((event) -> event.conversationId().equals(conversation))
				.toList();
			if (matching.size() >= count) {
				return matching;
			}
			for (ConsumerRecord<String, String> record : this.events.poll(Duration.ofMillis(200))) {
				this.received.add(this.codec.decode(record.value()));
			}
		}
		throw new AssertionError("expected " + count + " events of " + conversation + ", got "
				+ this.received.stream().filter((event) -> event.conversationId().equals(conversation)).count());
	}

	/** Polls for {@code duration} and returns every event of the conversation seen. */
	protected List<ChatEvent> eventsDuring(UUID conversation, Duration duration) {
		long deadline = System.nanoTime() + duration.toNanos();
		while (System.nanoTime() < deadline) {
			for (ConsumerRecord<String, String> record : this.events.poll(Duration.ofMillis(200))) {
				this.received.add(this.codec.decode(record.value()));
			}
		}
		return this.received.stream().filter((event) -> event.conversationId().equals(conversation)).toList();
	}

	protected URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	protected HttpResponse<String> get(String user, String path) throws IOException, InterruptedException {
		return send(user, HttpRequest.newBuilder(uri(path)).GET());
	}

	protected HttpResponse<String> post(String user, String path, String json)
			throws IOException, InterruptedException {
		return send(user,
				HttpRequest.newBuilder(uri(path))
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString(json)));
	}

	/** A POST with more headers (name, value, …). */
	protected HttpResponse<String> post(String user, String path, String json, String... headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json));
		if (headers.length > 0) {
			request.headers(headers);
		}
		return send(user, request);
	}

	protected HttpResponse<String> delete(String user, String path) throws IOException, InterruptedException {
		return send(user, HttpRequest.newBuilder(uri(path)).DELETE());
	}

	/** A POST with this token, whatever its claims. */
	protected HttpResponse<String> postWithToken(String token, String path, String json)
			throws IOException, InterruptedException {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + token)
			.POST(HttpRequest.BodyPublishers.ofString(json)));
	}

	private HttpResponse<String> send(String user, HttpRequest.Builder request)
			throws IOException, InterruptedException {
		if (user != null) {
			request.header("Authorization", TestTokens.bearer(user));
		}
		return send(request);
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		request.timeout(Duration.ofSeconds(30));
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Creates a conversation through the API and returns its id. */
	protected UUID conversation(String creator, String type, String... others) throws Exception {
		String members = String.join("\",\"", others);
		HttpResponse<String> response = post(creator, "/api/v1/conversations",
				"{\"type\":\"" + type + "\",\"members\":[\"" + members + "\"]}");
		if (response.statusCode() != 201 && response.statusCode() != 200) {
			throw new AssertionError("create failed: " + response.statusCode() + " " + response.body());
		}
		return UUID.fromString(JsonPath.read(response.body(), "$.id"));
	}

	protected static <T> T json(HttpResponse<String> response, String path) {
		return JsonPath.read(response.body(), path);
	}

}
