package dev.blueprint.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.local.LocalStack;
import dev.blueprint.local.StackSettings;
import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import static dev.blueprint.e2e.ChatApi.connect;
import static dev.blueprint.e2e.ChatApi.conversation;
import static dev.blueprint.e2e.ChatApi.history;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second chat-gateway instance joins the suite; a client on it loses its gateway to a
 * SIGKILL, reconnects to the other instance, recovers what it missed from history by seq,
 * and sends again both a message acked before the crash and the one it sent into the dead
 * connection; each is stored once.
 */
@ExtendWith(SharedSuite.class)
class ChatGatewayFailoverIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int SECOND_GATEWAY_PORT = Suite.port("chat-gateway") + 10;

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void clientsOfAKilledGatewayReconnectElsewhereAndRecoverEverythingBySeq() throws Exception {
		String alice = "alice-" + UUID.randomUUID().toString().substring(0, 6);
		String bob = "bob-" + UUID.randomUUID().toString().substring(0, 6);
		Process second = startSecondGateway();
		try {
			awaitHealthy(SECOND_GATEWAY_PORT, Duration.ofMinutes(4));
			String conversation = conversation(alice, "direct", bob);
			try (StompTestClient bobClient = connect(Suite.port("chat-gateway"), bob)) {
				StompTestClient aliceOnSecond = connect(SECOND_GATEWAY_PORT, alice);
				for (int i = 1; i <= 5; i++) {
					aliceOnSecond.send(conversation, "a-" + i, "before " + i);
					assertThat(aliceOnSecond.expect("acks", WAIT).path("seq").asLong()).isEqualTo(i);
				}
				for (int i = 1; i <= 5; i++) {
					assertThat(bobClient.expect("messages", WAIT).path("seq").asLong()).isEqualTo(i);
				}
				long lastSeen = 5;

				second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
				for (int i = 6; i <= 8; i++) {
					bobClient.send(conversation, "b-" + i, "while you reconnect " + i);
					assertThat(bobClient.expect("acks", WAIT).path("seq").asLong()).isEqualTo(i);
				}
				try {
					aliceOnSecond.send(conversation, "a-lost", "into the dead connection");
				}
				catch (RuntimeException ex) {
					// the client may already know its connection is gone
				}
				aliceOnSecond.close();

				try (StompTestClient aliceAgain = connect(Suite.port("chat-gateway"), alice)) {
					List<Long> recovered = new ArrayList<>();
					for (JsonNode message : history(alice, conversation, lastSeen)) {
						recovered.add(message.path("seq").asLong());
					}
					assertThat(recovered).containsExactly(6L, 7L, 8L);
					// a retry of a message acked before the crash (a client cannot
					// tell whether an ack was on its way): acked again with the
					// same seq, stored once
					aliceAgain.send(conversation, "a-5", "before 5");
					assertThat(aliceAgain.expect("acks", WAIT).path("seq").asLong()).isEqualTo(5);
					// the message sent into the dead connection was never acked:
					// sent again with the same id, stored once
					aliceAgain.send(conversation, "a-lost", "into the dead connection");
					JsonNode ack = aliceAgain.expect("acks", WAIT);
					assertThat(ack.path("clientMessageId").asString()).isEqualTo("a-lost");
					assertThat(ack.path("seq").asLong()).isEqualTo(9);
				}
				for (int i = 6; i <= 9; i++) {
					assertThat(bobClient.expect("messages", WAIT).path("seq").asLong()).isEqualTo(i);
				}
			}
			List<JsonNode> stored = history(alice, conversation, 0);
			assertThat(stored).hasSize(9);
			assertThat(stored.get(8).path("body").asString()).isEqualTo("into the dead connection");
		}
		finally {
			second.destroyForcibly();
		}
	}

	private static Process startSecondGateway() throws Exception {
		StackSettings settings = Suite.settings();
		Path jar = Suite.REPO.resolve("chat-gateway/target/chat-gateway.jar");
		Path log = Files.createTempFile("second-gateway", ".log");
		System.out.println("second gateway logs to " + log);
		ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		Map<String, String> env = builder.environment();
		env.put("PORT", Integer.toString(SECOND_GATEWAY_PORT));
		env.put("REDIS_HOST", "127.0.0.1");
		env.put("REDIS_PORT", Integer.toString(settings.redisPort()));
		env.put("KAFKA_BOOTSTRAP_SERVERS", settings.kafkaBootstrapServers());
		env.put("BLUEPRINT_JWT_HMAC_SECRET", new LocalStack(settings).jwtSecret());
		return builder.start();
	}

	private static void awaitHealthy(int port, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			try {
				HttpResponse<String> health = http.send(
						HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
						HttpResponse.BodyHandlers.ofString());
				if (health.statusCode() == 200 && health.body().contains("\"UP\"")) {
					return;
				}
			}
			catch (java.io.IOException ex) {
				// not listening yet
			}
			Thread.sleep(1000);
		}
		throw new AssertionError("the second gateway was not healthy within " + timeout);
	}

}
