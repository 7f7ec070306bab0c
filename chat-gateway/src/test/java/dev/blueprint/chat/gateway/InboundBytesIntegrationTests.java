package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import dev.blueprint.testsupport.RealInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway as a whole holds at most {@code gateway.max-inbound-bytes} of client frames
 * waiting to be handled (and one message per session), however many sessions send: with
 * the bound per session out of the way (100,000 frames), three clients flooding at once
 * are read more slowly once together they pass 32 KiB, and every frame of each is
 * handled, in order, with no client closed. Without it, the bound per session times the
 * number of sessions was the only limit.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.max-inbound-backlog=100000", "gateway.max-inbound-bytes=32KB" })
@AutoConfigureMetrics
@RealInfrastructure
class InboundBytesIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final long BUDGET = 32 * 1024;

	private static final int CLIENTS = 3;

	/** Frames in the first message of each client (about 110 bytes each). */
	private static final int TOGETHER = 150;

	private static final int SINGLES = 500;

	@LocalServerPort
	int port;

	@Autowired
	InboundBacklog backlog;

	@Autowired
	MeterRegistry meters;

	@Test
	void clientsFloodingTogetherAreReadMoreSlowlyOnceTheGatewayHoldsItsBudgetAndLoseNothing() throws Exception {
		double gatewaySuspensionsBefore = suspensions("gateway");
		double sessionSuspensionsBefore = suspensions("session");
		int sessionsBefore = this.backlog.sessions();
		// a thread each: the common pool has one on two cores
		ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
		try {
			List<CompletableFuture<Integer>> flooders = new ArrayList<>();
			// all connected before any sends: their floods overlap
			CountDownLatch connected = new CountDownLatch(CLIENTS);
			for (int i = 0; i < CLIENTS; i++) {
				String user = "bytes-flooder-" + i;
				flooders.add(CompletableFuture.supplyAsync(() -> flood(user, connected), threads));
			}
			for (CompletableFuture<Integer> flooder : flooders) {
				assertThat(flooder.get(WAIT.toSeconds() * 3, TimeUnit.SECONDS)).as("frames answered in order")
					.isEqualTo(TOGETHER + SINGLES);
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(suspensions("gateway")).as("read more slowly for the gateway's budget")
			.isGreaterThan(gatewaySuspensionsBefore);
		assertThat(suspensions("session")).as("not for a session's own backlog").isEqualTo(sessionSuspensionsBefore);
		// the budget, and one message of each client above it (a frame holds fewer than
		// 200 bytes as counted)
		assertThat(this.backlog.highWaterBytes()).isLessThanOrEqualTo(BUDGET + CLIENTS * TOGETHER * 200L);
		assertThat(this.backlog.waitingBytes()).as("every byte counted was handed on").isZero();
		await().atMost(WAIT).until(() -> this.backlog.sessions() == sessionsBefore);
		assertThat(this.meters.counter(GatewayConfiguration.SESSIONS_TERMINATED, "reason", "inbound-bytes").count())
			.isZero();
	}

	private int flood(String user, CountDownLatch connected) {
		try (RawStompSocket socket = RawStompSocket.open(this.port)) {
			InboundBacklogIntegrationTests.connect(socket, user);
			socket.send("SUBSCRIBE", "", "id:errors", "destination:/user/queue/errors");
			connected.countDown();
			connected.await(WAIT.toSeconds(), TimeUnit.SECONDS);
			socket.sendTogether(InboundBacklogIntegrationTests.malformed(0, TOGETHER));
			for (int i = TOGETHER; i < TOGETHER + SINGLES; i++) {
				socket.sendTogether(InboundBacklogIntegrationTests.malformed(i, 1));
			}
			int answered = 0;
			while (answered < TOGETHER + SINGLES) {
				String received = socket.next(WAIT);
				assertThat(received).as("%s: answer %d", user, answered).isNotNull();
				Matcher ids = InboundBacklogIntegrationTests.ANSWERED.matcher(received);
				while (ids.find()) {
					assertThat(Integer.parseInt(ids.group(1))).as(user).isEqualTo(answered++);
				}
			}
			assertThat(socket.closedWith(Duration.ofMillis(200))).as("%s still connected", user).isNull();
			return answered;
		}
		catch (Exception ex) {
			throw new IllegalStateException(user + ": " + ex, ex);
		}
	}

	private double suspensions(String limit) {
		return this.meters.counter("blueprint.chat.gateway.inbound.suspensions", "limit", limit).count();
	}

}
