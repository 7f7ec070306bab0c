package dev.blueprint.chat.gateway;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
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
		properties = { "gateway.max-inbound-backlog=100000", "gateway.max-inbound-bytes=32KB",
				// one thread handles every session's frames: they wait for it, and the
				// gateway stays over its budget while floods last
				"gateway.inbound-threads=1" })
@AutoConfigureMetrics
@RealInfrastructure
class InboundBytesIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final long BUDGET = 32 * 1024;

	private static final int CLIENTS = 3;

	/** Frames in the first message of each client (about 110 bytes each). */
	private static final int TOGETHER = 150;

	private static final int SINGLES = 500;

	/** Bursts the polite client sends at least. */
	private static final int POLITE_MIN = 20;

	/** Frames in each of the polite client's bursts. */
	private static final int POLITE_BURST = 3;

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
			for (CompletableFuture<Integer> flooder : flood(threads, new CountDownLatch(CLIENTS))) {
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

	/**
	 * Over the budget, only the sessions holding more than their share of it are slowed:
	 * a client that sends three frames at a time and waits for their answers, over
	 * SockJS's HTTP transport (which cannot be slowed, only closed), is answered every
	 * time and never closed while three others flood. Before, every session with a frame
	 * waiting when the budget was exceeded was slowed, or closed with 1013 if it could
	 * not be.
	 */
	@Test
	void aClientSendingAFewFramesAtATimeIsNotHeldBackOrClosedForTheFloodersBytes() throws Exception {
		double closedBefore = this.meters.counter(GatewayConfiguration.SESSIONS_TERMINATED, "reason", "inbound-bytes")
			.count();
		double gatewaySuspensionsBefore = suspensions("gateway");
		ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
		try {
			HttpClient http = HttpClient.newHttpClient();
			String token = TestTokens.token("bytes-polite-" + UUID.randomUUID().toString().substring(0, 8));
			String session = "http://localhost:" + this.port + "/sockjs/000/" + UUID.randomUUID() + "/";
			String query = "?access_token=" + token;
			assertThat(InboundBacklogIntegrationTests.xhr(http, session + "xhr" + query, "")).startsWith("o");
			InboundBacklogIntegrationTests.xhr(http, session + "xhr_send" + query,
					InboundBacklogIntegrationTests.sockJsArray(
							RawStompSocket.frame("CONNECT", "", "accept-version:1.2", "host:localhost",
									"Authorization:Bearer " + token),
							RawStompSocket.frame("SUBSCRIBE", "", "id:errors", "destination:/user/queue/errors")));
			assertThat(InboundBacklogIntegrationTests.xhr(http, session + "xhr" + query, "")).contains("CONNECTED");
			CountDownLatch connected = new CountDownLatch(CLIENTS + 1);
			List<CompletableFuture<Integer>> flooders = flood(threads, connected);
			connected.countDown();
			connected.await(WAIT.toSeconds(), TimeUnit.SECONDS);
			int sent = 0;
			int answered = 0;
			while (sent < POLITE_MIN * POLITE_BURST || !flooders.stream().allMatch(CompletableFuture::isDone)) {
				// A few frames together, as a chat client sends a message, a typing frame
				// and a read receipt: the first is handled at once, the others wait for
				// it.
				InboundBacklogIntegrationTests.xhr(http, session + "xhr_send" + query, InboundBacklogIntegrationTests
					.sockJsArray(InboundBacklogIntegrationTests.malformed(sent, POLITE_BURST)));
				sent += POLITE_BURST;
				while (answered < sent) {
					String answer = InboundBacklogIntegrationTests.xhr(http, session + "xhr" + query, "");
					assertThat(answer).as("answer %d", answered).doesNotStartWith("c[");
					Matcher ids = InboundBacklogIntegrationTests.ANSWERED.matcher(answer);
					while (ids.find()) {
						assertThat(Integer.parseInt(ids.group(1))).isEqualTo(answered++);
					}
				}
			}
			for (CompletableFuture<Integer> flooder : flooders) {
				assertThat(flooder.get(WAIT.toSeconds() * 3, TimeUnit.SECONDS)).isEqualTo(TOGETHER + SINGLES);
			}
			assertThat(this.meters.counter(GatewayConfiguration.SESSIONS_TERMINATED, "reason", "inbound-bytes").count())
				.as("no session closed for the budget")
				.isEqualTo(closedBefore);
			assertThat(suspensions("gateway")).as("the flooders were slowed for the budget")
				.isGreaterThan(gatewaySuspensionsBefore);
		}
		finally {
			threads.shutdownNow();
		}
		await().atMost(WAIT).until(() -> this.backlog.sessionsWaiting() == 0);
	}

	/** Starts the flooders, which flood once all of {@code connected} counted down. */
	private List<CompletableFuture<Integer>> flood(ExecutorService threads, CountDownLatch connected) {
		List<CompletableFuture<Integer>> flooders = new ArrayList<>();
		for (int i = 0; i < CLIENTS; i++) {
			String user = "bytes-flooder-" + i;
			flooders.add(CompletableFuture.supplyAsync(() -> flood(user, connected), threads));
		}
		return flooders;
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
