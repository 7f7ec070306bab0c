package dev.blueprint.chat.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that offers no STOMP heart-beats and then goes silent (its network died, or it
 * just stopped) is disconnected after {@code gateway.client-silence-timeout}, and its
 * session leaves the registry: it was never timed out before, and stayed online. One that
 * keeps sending heart-beats stays. Short settings (heart-beats every second, silence
 * after 4 s) in a context of its own; Tomcat checks idle sessions each second.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.heartbeat=1s", "gateway.session-lease=3s", "gateway.client-silence-timeout=4s" })
@RealInfrastructure
class ClientSilenceIntegrationTests {

	private static final Duration CLOSED_WITHIN = Duration.ofSeconds(30);

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Test
	void aClientWithoutHeartBeatsThatFallsSilentIsDisconnectedAndUnregistered() throws Exception {
		String silent = "silent-" + UUID.randomUUID().toString().substring(0, 8);
		String beating = "beating-" + UUID.randomUUID().toString().substring(0, 8);
		SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(3), Clock.systemUTC());
		try (RawStompSocket quiet = RawStompSocket.open(this.port);
				RawStompSocket alive = RawStompSocket.open(this.port)) {
			long start = System.nanoTime();
			quiet.send("CONNECT", "", "accept-version:1.2", "heart-beat:0,0",
					"Authorization:Bearer " + TestTokens.token(silent));
			alive.send("CONNECT", "", "accept-version:1.2", "heart-beat:1000,0",
					"Authorization:Bearer " + TestTokens.token(beating));
			assertThat(quiet.next(CLOSED_WITHIN)).startsWith("CONNECTED");
			assertThat(alive.next(CLOSED_WITHIN)).startsWith("CONNECTED");
			while (registry.sessionsOf(List.of(silent)).isEmpty() && System.nanoTime() - start < 5_000_000_000L) {
				Thread.sleep(50);
			}
			assertThat(registry.sessionsOf(List.of(silent))).as("registered").isNotEmpty();
			Thread heartBeats = new Thread(() -> {
				try {
					while (!Thread.currentThread().isInterrupted()) {
						alive.sendTogether("\n");
						Thread.sleep(1000);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			heartBeats.setDaemon(true);
			heartBeats.start();
			try {
				assertThat(quiet.closedWith(CLOSED_WITHIN)).as("closed as going away").isEqualTo(1001);
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not before its silence timeout")
					.isGreaterThanOrEqualTo(Duration.ofSeconds(4));
				assertThat(alive.closedWith(Duration.ZERO)).as("the one sending heart-beats stays").isNull();
			}
			finally {
				heartBeats.interrupt();
			}
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (!registry.sessionsOf(List.of(silent)).isEmpty() && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
			assertThat(registry.sessionsOf(List.of(silent))).as("unregistered").isEmpty();
			assertThat(registry.sessionsOf(List.of(beating))).isNotEmpty();
		}
	}

}
