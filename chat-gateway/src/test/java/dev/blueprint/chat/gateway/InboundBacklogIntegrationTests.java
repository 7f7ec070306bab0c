package dev.blueprint.chat.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * A client that sends faster than the gateway handles its frames stops being read once
 * more than {@code gateway.max-inbound-backlog} of them wait, and is read again once half
 * of that is left: every frame is handled, in order, and the client stays connected (over
 * WebSocket and SockJS's WebSocket transport). Over SockJS's HTTP transports, which
 * cannot stop reading, it is closed (1008). Before, Spring queued the frames without a
 * bound, up to {@code gateway.max-frame-size} each: one client could run the gateway out
 * of memory.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "gateway.max-inbound-backlog=50")
@AutoConfigureMetrics
@RealInfrastructure
class InboundBacklogIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final int LIMIT = 50;

	/** Frames in one message: 150 of about 110 bytes, within gateway.max-frame-size. */
	private static final int TOGETHER = 150;

	/** A clientMessageId in an error frame, in plain STOMP or in SockJS's JSON string. */
	static final Pattern ANSWERED = Pattern.compile("clientMessageId\\\\?\":\\\\?\"c-(\\d+)");

	@LocalServerPort
	int port;

	@Autowired
	InboundBacklog backlog;

	@Autowired
	MeterRegistry meters;

	@Test
	void aClientThatSendsFasterThanItsFramesAreHandledIsReadMoreSlowlyAndLosesNothing() throws Exception {
		floodAndExpectEveryAnswer(RawStompSocket.open(this.port), "flooder");
	}

	@Test
	void overSockJsWebSocketTransportToo() throws Exception {
		floodAndExpectEveryAnswer(RawStompSocket.openSockJs(this.port, UUID.randomUUID().toString()), "sockjs-flooder");
	}

	private void floodAndExpectEveryAnswer(RawStompSocket opened, String user) throws Exception {
		double suspensionsBefore = suspensions();
		double closedBefore = closed();
		int sessionsBefore = this.backlog.sessions();
		try (RawStompSocket socket = opened) {
			connect(socket, user);
			socket.send("SUBSCRIBE", "", "id:errors", "destination:/user/queue/errors");
			// Malformed SENDs, each answered with an error frame naming its
			// clientMessageId: 150 in one message (decoded at once, handled one by one),
			// then 500 more, one a message, as fast as they go out.
			socket.sendTogether(malformed(0, TOGETHER));
			for (int i = TOGETHER; i < TOGETHER + 500; i++) {
				socket.sendTogether(malformed(i, 1));
			}
			// In order (SockJS may put several in one message).
			int answered = 0;
			while (answered < TOGETHER + 500) {
				String received = socket.next(WAIT);
				assertThat(received).as("answer %d", answered).isNotNull();
				Matcher ids = ANSWERED.matcher(received);
				while (ids.find()) {
					assertThat(Integer.parseInt(ids.group(1))).isEqualTo(answered++);
				}
			}
			assertThat(socket.closedWith(Duration.ofMillis(200))).as("still connected").isNull();
			assertThat(suspensions()).as("reading was suspended").isGreaterThan(suspensionsBefore);
			assertThat(this.backlog.highWater()).as("the limit and one message's frames at most")
				.isLessThanOrEqualTo(LIMIT + TOGETHER);
			assertThat(this.backlog.waiting()).isZero();
		}
		await().atMost(WAIT).until(() -> this.backlog.sessions() == sessionsBefore);
		assertThat(closed()).isEqualTo(closedBefore);
	}

	@Test
	void overSockJsHttpTransportsWhichCannotStopReadingTheClientIsClosed() throws Exception {
		double closedBefore = closed();
		int sessionsBefore = this.backlog.sessions();
		String token = TestTokens.token("xhr-flooder-" + UUID.randomUUID().toString().substring(0, 8));
		String session = "http://localhost:" + this.port + "/sockjs/000/" + UUID.randomUUID() + "/";
		HttpClient http = HttpClient.newHttpClient();
		assertThat(xhr(http, session + "xhr?access_token=" + token, "")).startsWith("o");
		xhr(http, session + "xhr_send?access_token=" + token, sockJsArray(RawStompSocket.frame("CONNECT", "",
				"accept-version:1.2", "host:localhost", "Authorization:Bearer " + token)));
		assertThat(xhr(http, session + "xhr?access_token=" + token, "")).contains("CONNECTED");
		// A poll waiting when the flood comes gets the close frame.
		CompletableFuture<HttpResponse<String>> poll = http.sendAsync(post(session + "xhr?access_token=" + token, ""),
				HttpResponse.BodyHandlers.ofString());
		Thread.sleep(200);
		xhr(http, session + "xhr_send?access_token=" + token, sockJsArray(malformed(0, TOGETHER)));
		assertThat(poll.get(WAIT.toSeconds(), TimeUnit.SECONDS).body()).startsWith("c[1008");
		assertThat(closed() - closedBefore).isEqualTo(1);
		await().atMost(WAIT).until(() -> this.backlog.sessions() == sessionsBefore);
		Thread.sleep(500);
		assertThat(this.backlog.sessions()).as("nothing kept for the closed session").isEqualTo(sessionsBefore);
	}

	static String xhr(HttpClient http, String url, String body) throws Exception {
		HttpResponse<String> response = http.send(post(url, body), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(url + ": " + response.body()).isIn(200, 204);
		return response.body();
	}

	static HttpRequest post(String url, String body) {
		return HttpRequest.newBuilder(URI.create(url))
			.timeout(WAIT)
			.header("Content-Type", "text/plain")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
	}

	/** A SockJS message array of one message holding {@code frames}. */
	static String sockJsArray(String... frames) {
		return "[\"" + RawStompSocket.jsonEscape(String.join("", frames)) + "\"]";
	}

	/**
	 * SEND frames without a body field, with the clientMessageIds c-first on: each is
	 * answered with an error naming its clientMessageId.
	 */
	static String[] malformed(int first, int count) {
		String[] frames = new String[count];
		for (int i = 0; i < count; i++) {
			frames[i] = RawStompSocket.frame("SEND", "{\"clientMessageId\":\"c-" + (first + i) + "\"}",
					"destination:/app/conversations/" + UUID.randomUUID() + "/messages");
		}
		return frames;
	}

	@Test
	void aClientWithinTheLimitStaysAndItsCountReturnsToZero() throws Exception {
		double closedBefore = closed();
		double suspensionsBefore = suspensions();
		int sessionsBefore = this.backlog.sessions();
		try (RawStompSocket socket = RawStompSocket.open(this.port)) {
			connect(socket, "steady");
			socket.send("SUBSCRIBE", "", "id:errors", "destination:/user/queue/errors");
			// 40 frames at once, ten times, each time once all have been handled (each
			// answered with an error frame): never more than the limit of 50 waiting.
			for (int round = 0; round < 10; round++) {
				String[] frames = malformed(round * 40, 40);
				socket.sendTogether(frames);
				for (int i = 0; i < frames.length; i++) {
					assertThat(socket.next(WAIT)).as("round %d, frame %d", round, i).startsWith("MESSAGE");
				}
			}
			assertThat(socket.closedWith(Duration.ofMillis(200))).isNull();
			assertThat(this.backlog.sessions()).isEqualTo(sessionsBefore + 1);
			assertThat(this.backlog.waiting()).as("frames counted and not handed on").isZero();
		}
		await().atMost(WAIT).until(() -> this.backlog.sessions() == sessionsBefore);
		assertThat(closed()).isEqualTo(closedBefore);
		assertThat(suspensions()).isEqualTo(suspensionsBefore);
	}

	static void connect(RawStompSocket socket, String user) throws InterruptedException {
		socket.send("CONNECT", "", "accept-version:1.2", "host:localhost",
				"Authorization:Bearer " + TestTokens.token(user + "-" + UUID.randomUUID().toString().substring(0, 8)));
		assertThat(socket.next(WAIT)).contains("CONNECTED");
	}

	private double suspensions() {
		return this.meters.counter("blueprint.chat.gateway.inbound.suspensions", "limit", "session").count();
	}

	private double closed() {
		return this.meters.counter(GatewayConfiguration.SESSIONS_TERMINATED, "reason", "inbound-backlog").count();
	}

}
