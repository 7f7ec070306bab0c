package dev.blueprint.chat.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.StompTestClient;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Clients that stop reading (a dead mobile link, a frozen tab) while messages keep coming
 * are disconnected once a write to them has waited {@code gateway.send-time-limit}, or
 * once {@code gateway.send-buffer-limit} is queued for them; meanwhile the other clients
 * keep getting theirs. Before, each such client held an outbound thread for Tomcat's 20 s
 * write timeout: with Spring's four outbound threads (two per core) four of them stopped
 * every delivery of the gateway for that long.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.send-time-limit=2s", "gateway.send-buffer-limit=256KB" })
@AutoConfigureMetrics
@RealInfrastructure
class SlowClientIntegrationTests {

	private static final int STALLED = 4;

	private final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	int port;

	@Autowired
	GatewayProperties properties;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	@Test
	void clientsThatStopReadingAreDisconnectedWithoutHoldingUpTheOthers() throws Exception {
		String run = UUID.randomUUID().toString().substring(0, 8);
		String reader = "reader-" + run;
		UUID conversation = UUID.randomUUID();
		List<String> stalledUsers = new ArrayList<>();
		List<StalledClient> stalled = new ArrayList<>();
		SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC());
		try (StompTestClient healthy = StompTestClient
			.connect("ws://localhost:" + this.port + "/ws", TestTokens.token(reader))
			.awaitReady()) {
			for (int i = 0; i < STALLED; i++) {
				String user = "stalled-" + i + "-" + run;
				stalledUsers.add(user);
				stalled.add(StalledClient.subscribe(this.port, TestTokens.token(user)));
			}
			// About 10 MB for each stalled client, far more than the socket buffers hold.
			String body = "x".repeat(16 * 1024);
			long seq = 0;
			for (int batch = 0; batch < 60; batch++) {
				List<GatewayDelivery> deliveries = new ArrayList<>();
				for (int i = 0; i < 10; i++) {
					deliveries.add(new GatewayDelivery.MessageDelivery(stalledUsers, new GatewayDelivery.ChatMessage(
							conversation, ++seq, UUID.randomUUID(), "sender-" + run, body, Instant.now())));
				}
				deliver(new GatewayDelivery.Batch(deliveries));
			}
			// The first message to the reader waits behind the decoding of the flood on
			// the one delivery thread: timed from the second on.
			deliver(new GatewayDelivery.MessageDelivery(List.of(reader), new GatewayDelivery.ChatMessage(conversation,
					0, UUID.randomUUID(), "sender-" + run, "after the flood", Instant.now())));
			assertThat(healthy.expect("messages", Duration.ofSeconds(30)).get("seq").asLong()).isZero();
			long worstMillis = 0;
			for (long n = 1; n <= 80; n++) {
				long start = System.nanoTime();
				deliver(new GatewayDelivery.MessageDelivery(List.of(reader), new GatewayDelivery.ChatMessage(
						conversation, n, UUID.randomUUID(), "sender-" + run, "to the reader", Instant.now())));
				JsonNode message = healthy.expect("messages", Duration.ofSeconds(30));
				long millis = (System.nanoTime() - start) / 1_000_000;
				assertThat(message.get("seq").asLong()).isEqualTo(n);
				worstMillis = Math.max(worstMillis, millis);
				Thread.sleep(Math.max(0, 100 - millis));
			}
			// 20.2 s before 2026-12-07; a stalled client's write now waits 2 s at most,
			// and holds one of sixteen threads meanwhile
			assertThat(worstMillis).as("the slowest delivery to the client that reads, in ms").isLessThan(3000);
			for (StalledClient client : stalled) {
				assertThat(client.closedWithin(Duration.ofSeconds(10))).as("a stalled client is disconnected").isTrue();
			}
			assertThat(registry.sessionsOf(stalledUsers)).as("stalled sessions unregistered").isEmpty();
			assertThat(registry.sessionsOf(List.of(reader))).isNotEmpty();
			// By Spring (a frame came while a write waited: send-limit) or by Tomcat (the
			// write timed out: send-timeout), whichever came first for each.
			double terminated = this.meters.find("blueprint.chat.gateway.sessions.terminated")
				.meters()
				.stream()
				.mapToDouble((meter) -> meter.measure().iterator().next().getValue())
				.sum();
			assertThat(terminated).isGreaterThanOrEqualTo(STALLED);
		}
		finally {
			for (StalledClient client : stalled) {
				client.close();
			}
		}
	}

	private void deliver(GatewayDelivery delivery) {
		this.redis.convertAndSend(GatewayDelivery.channel(this.properties.id()), this.codec.encode(delivery));
	}

}
