package dev.blueprint.chat.gateway.receipts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.gateway.GatewayProperties;
import dev.blueprint.chat.gateway.SubmittedTopic;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.StompTestClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Receipt frames through the gateway against the build's real Kafka and Redis, with real
 * STOMP clients: accepted receipts go to Kafka on the conversation's partition, bad ones
 * and floods get error frames, and receipt deliveries reach the right sessions.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureMetrics
@RealInfrastructure
class ReceiptsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final ChatEventCodec codec = new ChatEventCodec();

	private final String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);

	@LocalServerPort
	int port;

	@Autowired
	GatewayProperties properties;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	private SubmittedTopic submitted;

	@BeforeEach
	void watchSubmittedTopic() {
		this.submitted = SubmittedTopic.fromEnd();
	}

	@AfterEach
	void close() {
		this.submitted.close();
	}

	private StompTestClient connect(String user) throws Exception {
		StompTestClient client = StompTestClient.connect("ws://localhost:" + this.port + "/ws", TestTokens.token(user));
		client.subscribe("receipts");
		return client.awaitReady();
	}

	private List<ChatEvent.ReceiptSubmitted> submittedBy(String user, int count) {
		return submittedBy(user, count, WAIT);
	}

	/**
	 * The receipts of {@code user} on the topic: at least {@code count}, or all seen
	 * within the wait.
	 */
	private List<ChatEvent.ReceiptSubmitted> submittedBy(String user, int count, Duration wait) {
		return this.submitted
			.take(ChatEvent.ReceiptSubmitted.class, (receipt) -> receipt.userId().equals(user), count, wait)
			.stream()
			.map(SubmittedTopic.Submitted::event)
			.toList();
	}

	private double count(String type, String outcome) {
		Counter counter = this.meters.find("blueprint.chat.receipts")
			.tag("type", type)
			.tag("outcome", outcome)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void receiptsGoToKafkaOnTheConversationsPartitionWithTheUserFromTheToken() throws Exception {
		UUID conversation = UUID.randomUUID();
		try (StompTestClient client = connect(this.alice)) {
			client.sendRaw("/app/conversations/" + conversation + "/delivered", "{\"seq\":3}");
			client.sendRaw("/app/conversations/" + conversation + "/read", "{\"seq\":2}");
			List<ChatEvent.ReceiptSubmitted> receipts = submittedBy(this.alice, 2);
			assertThat(receipts).hasSize(2);
			assertThat(receipts.get(0).kind()).isEqualTo("delivered");
			assertThat(receipts.get(0).seq()).isEqualTo(3);
			assertThat(receipts.get(0).conversationId()).isEqualTo(conversation);
			assertThat(receipts.get(0).origin().gatewayId()).isEqualTo(this.properties.id());
			assertThat(receipts.get(0).origin().sessionId()).isNotBlank();
			assertThat(receipts.get(1).kind()).isEqualTo("read");
			assertThat(receipts.get(1).seq()).isEqualTo(2);
			assertThat(client.next("errors", Duration.ofMillis(300))).isNull();
		}
	}

	@Test
	void badReceiptFramesGetAnErrorNamingTheProblemAndTheSessionStays() throws Exception {
		String destination = "/app/conversations/" + UUID.randomUUID() + "/read";
		double invalid = count("read", "invalid-field");
		try (StompTestClient client = connect(this.alice)) {
			client.sendRaw(destination, "{not json");
			assertError(client, "malformed-json");
			client.sendRaw(destination, "{}");
			assertThat(assertError(client, "invalid-field").get("message").asString()).contains("seq");
			client.sendRaw(destination, "{\"seq\":\"4\"}");
			assertError(client, "invalid-field");
			client.sendRaw(destination, "{\"seq\":0}");
			assertError(client, "invalid-field");
			client.sendRaw("/app/conversations/not-a-uuid/delivered", "{\"seq\":1}");
			assertError(client, "unknown-conversation");
			assertThat(client.isConnected()).isTrue();
			assertThat(count("read", "invalid-field") - invalid).isEqualTo(3);
			assertThat(submittedBy(this.alice, 1)).as("nothing refused reaches Kafka").isEmpty();
		}
	}

	@Test
	void aUsersReceiptsAreLimitedAtTheBurstAndRate() throws Exception {
		// chat-receipts: 10/s, bursts of 50. A session's frames are decided in order, so
		// the first 50 of a flood always pass; after them only what the rate refilled
		// meanwhile does: at most 50 + 10/s over the span of the accepted ones.
		String conversation = UUID.randomUUID().toString();
		try (StompTestClient client = connect(this.alice)) {
			for (int seq = 1; seq <= 100; seq++) {
				client.sendRaw("/app/conversations/" + conversation + "/delivered", "{\"seq\":" + seq + "}");
			}
			// Every frame is either handed to Kafka or refused; the machine may be slow.
			List<ChatEvent.ReceiptSubmitted> accepted = new ArrayList<>();
			int refused = 0;
			long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
			while (accepted.size() + refused < 100 && System.nanoTime() < deadline) {
				accepted.addAll(submittedBy(this.alice, 1, Duration.ofMillis(200)));
				JsonNode error;
				while ((error = client.next("errors", Duration.ofMillis(10))) != null) {
					assertThat(error.get("code").asString()).isEqualTo("rate-limited");
					refused++;
				}
			}
			assertThat(accepted.size() + refused).as("frames accepted or refused").isEqualTo(100);
			assertThat(accepted.subList(0, 50)).extracting(ChatEvent.ReceiptSubmitted::seq)
				.as("the burst passes whole")
				.containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 50).boxed().toList());
			double span = Duration
				.between(accepted.get(0).submittedAt(), accepted.get(accepted.size() - 1).submittedAt())
				.toNanos() / 1e9;
			long mostAllowed = 50 + (long) Math.ceil(10 * span) + 1;
			assertThat(accepted.size()).as("accepted within %.2f s", span).isLessThanOrEqualTo((int) mostAllowed);
			if (mostAllowed < 100) {
				assertThat(refused).isPositive();
			}
			assertThat(client.isConnected()).isTrue();
		}
	}

	@Test
	void aReceiptReachesEverySessionOfItsUsersButTheOneThatSentIt() throws Exception {
		String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
		UUID conversation = UUID.randomUUID();
		try (StompTestClient phone = connect(this.alice);
				StompTestClient laptop = connect(this.alice);
				StompTestClient bobClient = connect(bob)) {
			List<SessionRegistry.Session> sessions = new SessionRegistry(this.redis, Duration.ofSeconds(30),
					Clock.systemUTC())
				.sessionsOf(List.of(this.alice))
				.get(this.alice);
			assertThat(sessions).hasSize(2);
			GatewayDelivery.Receipt read = new GatewayDelivery.Receipt(conversation, this.alice, "read", 5,
					Instant.parse("2026-11-28T06:00:00Z"));
			deliver(new GatewayDelivery.ReceiptDelivery(List.of(this.alice, bob), read, sessions.get(0).sessionId()));
			JsonNode receipt = bobClient.expect("receipts", WAIT);
			assertThat(receipt.get("conversationId").asString()).isEqualTo(conversation.toString());
			assertThat(receipt.get("userId").asString()).isEqualTo(this.alice);
			assertThat(receipt.get("type").asString()).isEqualTo("read");
			assertThat(receipt.get("seq").asLong()).isEqualTo(5);
			assertThat(Instant.parse(receipt.get("at").asString())).isEqualTo(read.at());
			JsonNode onPhone = phone.next("receipts", Duration.ofSeconds(2));
			JsonNode onLaptop = laptop.next("receipts", Duration.ofMillis(500));
			assertThat((onPhone == null) != (onLaptop == null))
				.as("exactly one of the reader's two sessions (not the one that read) gets it")
				.isTrue();
			assertThat(((onPhone != null) ? onPhone : onLaptop).get("seq").asLong()).isEqualTo(5);
		}
	}

	private void deliver(GatewayDelivery delivery) {
		this.redis.convertAndSend(GatewayDelivery.channel(this.properties.id()), this.codec.encode(delivery));
	}

	private static JsonNode assertError(StompTestClient client, String code) throws InterruptedException {
		JsonNode error = client.expect("errors", WAIT);
		assertThat(error.get("code").asString()).as(error.toString()).isEqualTo(code);
		return error;
	}

}
