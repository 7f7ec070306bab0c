package dev.blueprint.chat.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatPipelineLatency;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.gateway.stomp.StompAuthentication;
import dev.blueprint.platform.kafka.KafkaProducerWarmup;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.StompTestClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.simp.broker.DefaultSubscriptionRegistry;
import org.springframework.messaging.simp.broker.SimpleBrokerMessageHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The gateway alone against the build's real Kafka and Redis, with real STOMP clients:
 * what it accepts goes to Kafka, what it refuses comes back as an error frame, and what
 * arrives on its Redis channel reaches the users' sessions.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureMetrics
@RealInfrastructure
class GatewayIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	int port;

	@Autowired
	GatewayProperties properties;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	@Autowired
	org.springframework.context.ApplicationContext context;

	private SubmittedTopic submitted;

	private final String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);

	@BeforeEach
	void watchSubmittedTopic() {
		this.submitted = SubmittedTopic.fromEnd();
	}

	@AfterEach
	void close() {
		this.submitted.close();
	}

	private String url() {
		return "ws://localhost:" + this.port + "/ws";
	}

	private StompTestClient connect(String user) throws Exception {
		return StompTestClient.connect(url(), TestTokens.token(user)).awaitReady();
	}

	private ChatEvent.MessageSubmitted nextSubmitted(String sender) {
		return this.submitted
			.next(ChatEvent.MessageSubmitted.class, (message) -> message.senderId().equals(sender), WAIT,
					"by " + sender)
			.event();
	}

	@Test
	void connectNeedsAValidTokenAndARefusalIsAnErrorFrameThenTheClose() throws Exception {
		Map<String, String> refusals = new java.util.LinkedHashMap<>();
		refusals.put("", "no bearer token");
		refusals.put(TestTokens.expired(this.alice), "invalid token");
		refusals.put(TestTokens.tampered(this.alice), "invalid token");
		refusals.put(TestTokens.foreign(this.alice), "invalid token");
		for (Map.Entry<String, String> refusal : refusals.entrySet()) {
			try (RawStompSocket socket = RawStompSocket.open(this.port)) {
				String[] headers = refusal.getKey().isEmpty() ? new String[] { "accept-version:1.2" }
						: new String[] { "accept-version:1.2", "Authorization:Bearer " + refusal.getKey() };
				socket.send("CONNECT", "", headers);
				// At once, not when a client's own timeout runs out
				assertThat(socket.next(Duration.ofSeconds(5))).startsWith("ERROR").contains(refusal.getValue());
				assertThat(socket.closedWith(Duration.ofSeconds(5))).isEqualTo(1002);
			}
		}
		assertThatException().isThrownBy(() -> StompTestClient.connect(url(), TestTokens.tampered(this.alice)));
		try (StompTestClient viaQuery = StompTestClient
			.connect(url() + "?access_token=" + TestTokens.token(this.alice), null)
			.awaitReady()) {
			assertThat(viaQuery.isConnected()).isTrue();
		}
	}

	@Test
	void aBrowsersOfferOfCompressionIsDeclinedByDefaultAndItsSessionWorks() throws Exception {
		for (String path : new String[] { "/ws", "/sockjs/000/abcdefgh/websocket" }) {
			List<String> response = Handshake.offeringCompression(this.port, path);
			assertThat(response.get(0)).as(path).contains("101");
			assertThat(response).as(path).noneMatch((header) -> header.startsWith("sec-websocket-extensions"));
		}
		try (StompTestClient client = StompTestClient.connectOfferingCompression(url(), TestTokens.token(this.alice))
			.awaitReady()) {
			assertThat(client.isConnected()).isTrue();
			assertThat(client.negotiatedExtensions()).as("the offer declined").isEmpty();
		}
	}

	@Test
	void anAcceptedMessageGoesToKafkaKeyedByConversationWithTheSenderFromTheToken() throws Exception {
		UUID conversation = UUID.randomUUID();
		try (StompTestClient client = connect(this.alice)) {
			client.send(conversation.toString(), "c-1", "x".repeat(this.properties.maxBodyBytes()));
			ChatEvent.MessageSubmitted message = nextSubmitted(this.alice);
			assertThat(message.conversationId()).isEqualTo(conversation);
			assertThat(message.clientMessageId()).isEqualTo("c-1");
			assertThat(message.body()).hasSize(this.properties.maxBodyBytes());
			assertThat(message.origin().gatewayId()).isEqualTo(this.properties.id());
			assertThat(message.origin().sessionId()).isNotBlank();
			assertThat(client.next("errors", Duration.ofMillis(500))).isNull();
		}
	}

	@Test
	void theSameProtocolWorksOverSockJsWithWebSocketAndWithLongPollingOnly() throws Exception {
		String sockJs = "http://localhost:" + this.port + "/sockjs";
		for (boolean xhrOnly : List.of(false, true)) {
			try (StompTestClient client = StompTestClient.connectSockJs(sockJs, TestTokens.token(this.alice), xhrOnly)
				.awaitReady()) {
				UUID conversation = UUID.randomUUID();
				client.send(conversation.toString(), "sockjs-" + xhrOnly, "over sockjs");
				ChatEvent.MessageSubmitted message = nextSubmitted(this.alice);
				assertThat(message.clientMessageId()).isEqualTo("sockjs-" + xhrOnly);
				deliver(new GatewayDelivery.AckDelivery(List.of(this.alice),
						new GatewayDelivery.MessageAck("sockjs-" + xhrOnly, conversation, 1)));
				assertThat(client.expect("acks", WAIT).get("clientMessageId").asString())
					.isEqualTo("sockjs-" + xhrOnly);
			}
		}
		assertThatException()
			.isThrownBy(() -> StompTestClient.connectSockJs(sockJs, TestTokens.tampered(this.alice), true));
	}

	@Test
	void badFramesGetAnErrorNamingTheProblemAndTheSessionStays() throws Exception {
		String conversation = UUID.randomUUID().toString();
		String destination = "/app/conversations/" + conversation + "/messages";
		try (StompTestClient client = connect(this.alice)) {
			client.sendRaw(destination, "{not json");
			assertError(client, "malformed-json", null);
			client.sendRaw(destination, "[1,2]");
			assertError(client, "malformed-json", null);
			client.sendRaw(destination, "{\"body\":\"hi\"}");
			assertThat(assertError(client, "missing-field", null).get("message").asString())
				.contains("clientMessageId");
			client.sendRaw(destination, "{\"clientMessageId\":\"c-2\"}");
			assertThat(assertError(client, "missing-field", "c-2").get("message").asString()).contains("body");
			client.sendRaw(destination, "{\"clientMessageId\":\"c-3\",\"body\":42}");
			assertThat(assertError(client, "invalid-field", "c-3").get("message").asString()).contains("body");
			client.send(conversation, "c-4", "é".repeat(this.properties.maxBodyBytes() / 2 + 1));
			assertError(client, "body-too-large", "c-4");
			int idLimit = this.properties.maxClientMessageIdLength();
			client.send(conversation, "x".repeat(idLimit + 1), "hi");
			assertThat(assertError(client, "invalid-field", null).get("message").asString())
				.contains("clientMessageId");
			client.send(conversation, "x".repeat(idLimit), "an id at its limit");
			assertThat(nextSubmitted(this.alice).clientMessageId()).isEqualTo("x".repeat(idLimit));
			client.send("not-a-conversation", "c-5", "hi");
			assertError(client, "unknown-conversation", "c-5");
			client.sendRaw("/app/elsewhere", "{}");
			assertError(client, "unknown-destination", null);
			assertThat(client.isConnected()).isTrue();
			client.send(conversation, "c-6", "still here");
			assertThat(nextSubmitted(this.alice).clientMessageId()).isEqualTo("c-6");
		}
	}

	/**
	 * A client (the shared test client) sending from eight threads at once has each of
	 * its 200 frames answered: its writes go one at a time. Spring's STOMP client wrote
	 * straight to the WebSocket session, which takes one write at a time, and a frame
	 * written beside another was lost.
	 */
	@Test
	void aClientSendingFromSeveralThreadsAtOnceHasEveryFrameAnswered() throws Exception {
		int threads = 8;
		int each = 25;
		try (StompTestClient client = connect(this.alice)) {
			ExecutorService senders = Executors.newFixedThreadPool(threads);
			try {
				CountDownLatch start = new CountDownLatch(1);
				List<Future<?>> sent = new ArrayList<>();
				for (int t = 0; t < threads; t++) {
					sent.add(senders.submit(() -> {
						start.await();
						for (int i = 0; i < each; i++) {
							client.sendRaw("/app/elsewhere", "{}");
						}
						return null;
					}));
				}
				start.countDown();
				for (Future<?> done : sent) {
					done.get(30, TimeUnit.SECONDS);
				}
			}
			finally {
				senders.shutdownNow();
			}
			for (int i = 0; i < threads * each; i++) {
				JsonNode error = client.next("errors", Duration.ofSeconds(10));
				assertThat(error).as("answer %d of %d", i, threads * each).isNotNull();
				assertThat(error.get("code").asString()).isEqualTo("unknown-destination");
			}
			assertThat(client.isConnected()).isTrue();
		}
	}

	/**
	 * JSON escapes a control character as six characters ({@code \u0001}), a quote or a
	 * newline as two: a body at its byte limit made of them is a frame several times its
	 * size, above the container's buffers, and is still taken (it used to close the
	 * connection, 1009), and one byte more is answered.
	 */
	@Test
	void aBodyAtItsLimitIsTakenHoweverJsonEscapesIt() throws Exception {
		String conversation = UUID.randomUUID().toString();
		int limit = this.properties.maxBodyBytes();
		try (StompTestClient client = connect(this.alice)) {
			// (newlines alone would be a blank body: missing)
			for (String body : List.of("\u0001".repeat(limit), "\"".repeat(limit), "\n".repeat(limit - 1) + "x")) {
				client.send(conversation, "c-escaped", body);
				assertThat(nextSubmitted(this.alice).body()).isEqualTo(body);
			}
			client.send(conversation, "c-escaped-over", "\u0001".repeat(limit + 1));
			assertError(client, "body-too-large", "c-escaped-over");
			assertThat(client.isConnected()).isTrue();
		}
	}

	@Test
	void aFrameWithinTheFrameLimitIsAnsweredAndALargerOneClosesTheConnection() throws Exception {
		String conversation = UUID.randomUUID().toString();
		int frameLimit = (int) this.properties.maxFrameSize().toBytes();
		assertThat(frameLimit).isGreaterThan((int) this.properties.messageBufferSize().toBytes());
		try (StompTestClient client = connect(this.alice)) {
			// A body far over its own limit, in a frame just within the frame limit
			// (headers and JSON add under 300 bytes): an error, and the session stays.
			client.send(conversation, "c-big", "x".repeat(frameLimit - 300));
			assertError(client, "body-too-large", "c-big");
			assertThat(client.isConnected()).isTrue();
			client.send(conversation, "c-over", "x".repeat(frameLimit));
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (client.isConnected() && System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			assertThat(client.isConnected()).as("connected after a frame above the limit").isFalse();
		}
	}

	@Test
	void theSessionBuffersHaveTheConfiguredSizeAndAMessageAboveThemArrivesWhole(
			@Autowired WebServerApplicationContext context) throws Exception {
		int size = (int) this.properties.ioBufferSize().toBytes();
		assertThat(size).isLessThan(this.properties.maxBodyBytes() + 200);
		assertThat(TomcatSessionBuffers.webSocketBufferSize()).isEqualTo(size);
		Connector connector = ((TomcatWebServer) context.getWebServer()).getTomcat().getConnector();
		assertThat(String.valueOf(connector.getProperty("socket.appReadBufSize"))).isEqualTo(String.valueOf(size));
		assertThat(String.valueOf(connector.getProperty("socket.appWriteBufSize"))).isEqualTo(String.valueOf(size));
		try (StompTestClient client = connect(this.alice)) {
			// Its frame is above the buffers: it goes out in several WebSocket frames.
			String body = "é".repeat(this.properties.maxBodyBytes() / 2);
			deliver(new GatewayDelivery.MessageDelivery(List.of(this.alice), new GatewayDelivery.ChatMessage(
					UUID.randomUUID(), 1, UUID.randomUUID(), "bob", body, Instant.now())));
			assertThat(client.expect("messages", WAIT).get("body").asString()).isEqualTo(body);
			// And one that comes in above them (the body at its limit) is read whole.
			UUID conversation = UUID.randomUUID();
			client.send(conversation.toString(), "c-whole", body);
			assertThat(nextSubmitted(this.alice).body()).isEqualTo(body);
		}
	}

	@Test
	void subscribingOutsideTheUsersOwnQueuesIsRefusedWithAnError() throws Exception {
		StompTestClient client = connect(this.alice);
		try {
			client.subscribeRaw("/topic/everything");
			client.subscribeRaw("/queue/messages-user" + client.sessionId());
			assertError(client, "forbidden-destination", null);
			assertError(client, "forbidden-destination", null);
			assertThat(client.isConnected()).isTrue();
		}
		finally {
			client.close();
		}
	}

	@Test
	void theStompCommandIsAConnectThatNeedsATokenAndNoFrameIsTakenBeforeOne() throws Exception {
		String conversation = UUID.randomUUID().toString();
		try (RawStompSocket socket = RawStompSocket.open(this.port)) {
			socket.send("STOMP", "", "accept-version:1.2", "host:localhost");
			assertThat(socket.next(WAIT)).startsWith("ERROR").contains("no bearer token");
			assertThat(socket.closedWith(WAIT)).isNotNull();
		}
		// Spring refuses a frame of a session that sent no CONNECT ("Unknown session");
		// once a CONNECT came, refused or not, it knows the session, and frames sent with
		// that CONNECT reach the gateway's own check
		String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
		try (StompTestClient victim = connect(bob); RawStompSocket socket = RawStompSocket.open(this.port)) {
			String forged = "{\"conversationId\":\"" + conversation
					+ "\",\"seq\":9,\"senderId\":\"carol\",\"body\":\"x\"}";
			socket.sendTogether(
					RawStompSocket.frame("CONNECT", "", "accept-version:1.2",
							"Authorization:Bearer " + TestTokens.tampered(this.alice)),
					RawStompSocket.frame("SEND", forged, "destination:/user/" + bob + "/queue/messages"),
					RawStompSocket.frame("SUBSCRIBE", "", "id:0", "destination:/user/queue/messages"));
			// Each refusal is an ERROR frame on the outbound channel, whose threads keep
			// no order between them: the CONNECT's or the SEND's may come first (a CI
			// run of 2026-12-06 got the SEND's), and the connection closes after it.
			assertThat(socket.next(WAIT)).startsWith("ERROR")
				.containsAnyOf("invalid token", "CONNECT with a token first");
			assertThat(socket.closedWith(WAIT)).isNotNull();
			assertThat(victim.next("messages", Duration.ofSeconds(1))).isNull();
		}
		try (RawStompSocket socket = RawStompSocket.open(this.port)) {
			socket.send("STOMP", "", "accept-version:1.2", "host:localhost",
					"Authorization:Bearer " + TestTokens.token(this.alice));
			assertThat(socket.next(WAIT)).startsWith("CONNECTED");
			socket.send("SEND", "{\"clientMessageId\":\"raw-2\",\"body\":\"after STOMP\"}",
					"destination:/app/conversations/" + conversation + "/messages");
			ChatEvent.MessageSubmitted submitted = nextSubmitted(this.alice);
			assertThat(submitted.clientMessageId()).as("the first message taken from alice").isEqualTo("raw-2");
		}
	}

	@Test
	void aSockJsSessionIdThatIsNotAPlainTokenIsRefusedSoNoQueueNameIsAPattern() throws Exception {
		for (String sessionId : new String[] { "*", "abc*defgh", "short" }) {
			try (RawStompSocket socket = RawStompSocket.openSockJs(this.port, sessionId)) {
				socket.send("CONNECT", "", "accept-version:1.2", "host:localhost",
						"Authorization:Bearer " + TestTokens.token(this.alice));
				assertThat(socket.next(WAIT)).as(sessionId).contains("ERROR").contains("session id");
			}
		}
		try (RawStompSocket socket = RawStompSocket.openSockJs(this.port, "abcdefgh-" + UUID.randomUUID())) {
			socket.send("CONNECT", "", "accept-version:1.2", "host:localhost",
					"Authorization:Bearer " + TestTokens.token(this.alice));
			assertThat(socket.next(WAIT)).contains("CONNECTED");
		}
	}

	@Test
	void aSendOutsideTheApplicationsDestinationsIsRefusedAndReachesNoOne() throws Exception {
		String bob = "bob-" + UUID.randomUUID().toString().substring(0, 8);
		try (StompTestClient mallory = connect(this.alice); StompTestClient victim = connect(bob)) {
			String forged = "{\"conversationId\":\"" + UUID.randomUUID()
					+ "\",\"seq\":1000000,\"senderId\":\"carol\",\"body\":\"forged\"}";
			List<String> destinations = List.of("/user/" + bob + "/queue/messages",
					"/queue/messages-user" + victim.sessionId(), "/topic/everything");
			for (String destination : destinations) {
				mallory.sendRaw(destination, forged);
				JsonNode error = assertError(mallory, "unknown-destination", null);
				assertThat(error.get("message").asString()).contains(destination);
			}
			assertThat(victim.next("messages", Duration.ofSeconds(1))).isNull();
			assertThat(mallory.isConnected()).isTrue();
		}
	}

	@Test
	void aSessionSubscribesToEachQueueOnceSoAFrameArrivesOnce() throws Exception {
		StompAuthentication authentication = this.context.getBean(StompAuthentication.class);
		try (StompTestClient client = connect(this.alice)) {
			client.subscribeRaw("/user/queue/messages");
			JsonNode error = assertError(client, "forbidden-destination", null);
			assertThat(error.get("message").asString()).contains("Already subscribed to /user/queue/messages");
			UUID conversation = UUID.randomUUID();
			deliver(new GatewayDelivery.MessageDelivery(List.of(this.alice),
					new GatewayDelivery.ChatMessage(conversation, 1, UUID.randomUUID(), "bob", "once", Instant.now())));
			assertThat(client.expect("messages", WAIT).get("body").asString()).isEqualTo("once");
			assertThat(client.next("/user/queue/messages", Duration.ofSeconds(1))).isNull();
			assertThat(client.next("messages", Duration.ofMillis(200))).isNull();
			assertThat(authentication.subscribedSessions()).isPositive();
		}
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (authentication.subscribedSessions() > 0 && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(authentication.subscribedSessions()).as("nothing kept for closed sessions").isZero();
	}

	@Test
	void deliveriesOnTheGatewaysChannelReachEveryDeviceOfTheUser() throws Exception {
		UUID conversation = UUID.randomUUID();
		long delivered = deliveredCount();
		try (StompTestClient phone = connect(this.alice); StompTestClient laptop = connect(this.alice)) {
			GatewayDelivery.ChatMessage message = new GatewayDelivery.ChatMessage(conversation, 7, UUID.randomUUID(),
					"bob", "hello", Instant.now().minusMillis(250));
			deliver(new GatewayDelivery.MessageDelivery(List.of(this.alice), message));
			deliver(new GatewayDelivery.AckDelivery(List.of(this.alice),
					new GatewayDelivery.MessageAck("c-9", conversation, 8)));
			String oneSession = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC())
				.sessionsOf(List.of(this.alice))
				.get(this.alice)
				.get(0)
				.sessionId();
			deliver(new GatewayDelivery.ErrorDelivery(this.alice, oneSession,
					new GatewayDelivery.ChatError("not-a-member", "no", "c-10")));
			for (StompTestClient device : List.of(phone, laptop)) {
				JsonNode received = device.expect("messages", WAIT);
				assertThat(received.get("seq").asLong()).isEqualTo(7);
				assertThat(received.get("body").asString()).isEqualTo("hello");
				assertThat(received.get("senderId").asString()).isEqualTo("bob");
				assertThat(received.get("conversationId").asString()).isEqualTo(conversation.toString());
				assertThat(device.expect("acks", WAIT).get("clientMessageId").asString()).isEqualTo("c-9");
			}
			JsonNode onPhone = phone.next("errors", Duration.ofSeconds(2));
			JsonNode onLaptop = laptop.next("errors", Duration.ofSeconds(2));
			assertThat((onPhone == null) != (onLaptop == null)).as("exactly one device gets the error").isTrue();
			// One message delivery (to both devices), timed from its sentAt.
			assertThat(deliveredCount()).isEqualTo(delivered + 1);
			assertThat(deliveredTimer().max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);
		}
	}

	@Test
	void aBatchOfDeliveriesReachesTheSessionsInItsOrderAndABadOneCostsOnlyItself() throws Exception {
		UUID conversation = UUID.randomUUID();
		long delivered = deliveredCount();
		try (StompTestClient device = connect(this.alice)) {
			Instant sentAt = Instant.now();
			deliver(new GatewayDelivery.Batch(List.of(
					new GatewayDelivery.MessageDelivery(List.of(this.alice),
							new GatewayDelivery.ChatMessage(conversation, 11, UUID.randomUUID(), "bob", "first",
									sentAt)),
					new GatewayDelivery.MessageDelivery(List.of(this.alice),
							new GatewayDelivery.ChatMessage(conversation, 12, UUID.randomUUID(), this.alice, "second",
									sentAt)),
					new GatewayDelivery.AckDelivery(List.of(this.alice),
							new GatewayDelivery.MessageAck("c-12", conversation, 12)))));

			assertThat(device.expect("messages", WAIT).get("body").asString()).isEqualTo("first");
			assertThat(device.expect("messages", WAIT).get("seq").asLong()).isEqualTo(12);
			assertThat(device.expect("acks", WAIT).get("clientMessageId").asString()).isEqualTo("c-12");
			assertThat(deliveredCount()).isEqualTo(delivered + 2);

			// A delivery that cannot be pushed (no users, no message) or read (a kind a
			// later version adds) costs only itself.
			double failed = this.meters.counter("blueprint.chat.gateway.deliveries.failed").count();
			this.redis.convertAndSend(GatewayDelivery.channel(this.properties.id()),
					"{\"kind\":\"batch\",\"deliveries\":[{\"kind\":\"message\"},{\"kind\":\"added-later\"},"
							+ this.codec.encode(new GatewayDelivery.AckDelivery(List.of(this.alice),
									new GatewayDelivery.MessageAck("c-13", conversation, 13)))
							+ "]}");
			assertThat(device.expect("acks", WAIT).get("clientMessageId").asString()).isEqualTo("c-13");
			assertThat(this.meters.counter("blueprint.chat.gateway.deliveries.failed").count()).isEqualTo(failed + 2);
		}
	}

	/**
	 * What notification-service sends every gateway (the users' sessions could not be
	 * looked up) reaches the sessions this gateway holds of its users, beside its own
	 * channel's, and a user without a session here costs nothing: no frame, no count, no
	 * latency.
	 */
	@Test
	void deliveriesForEveryGatewayReachOnlyTheUsersSessionsItHolds() throws Exception {
		UUID conversation = UUID.randomUUID();
		String elsewhere = "elsewhere-" + UUID.randomUUID();
		Counter messagesOut = this.meters.get("blueprint.chat.gateway.frames.out").tag("queue", "messages").counter();
		try (StompTestClient device = connect(this.alice)) {
			long delivered = deliveredCount();
			double pushed = messagesOut.count();
			Instant sentAt = Instant.now();
			String everyGateway = GatewayDelivery.channel(GatewayDelivery.EVERY_GATEWAY);
			this.redis.convertAndSend(everyGateway,
					this.codec.encode(new GatewayDelivery.Batch(List.of(
							new GatewayDelivery.MessageDelivery(List.of(elsewhere, this.alice),
									new GatewayDelivery.ChatMessage(conversation, 21, UUID.randomUUID(), elsewhere,
											"to both", sentAt)),
							new GatewayDelivery.AckDelivery(List.of(elsewhere),
									new GatewayDelivery.MessageAck("c-21", conversation, 21)),
							new GatewayDelivery.MessageDelivery(List.of(elsewhere), new GatewayDelivery.ChatMessage(
									conversation, 22, UUID.randomUUID(), this.alice, "to the other only", sentAt))))));
			deliver(new GatewayDelivery.AckDelivery(List.of(this.alice),
					new GatewayDelivery.MessageAck("c-23", conversation, 23)));

			assertThat(device.expect("messages", WAIT).get("body").asString()).isEqualTo("to both");
			assertThat(device.expect("acks", WAIT).get("clientMessageId").asString())
				.as("the gateway's own channel as well")
				.isEqualTo("c-23");
			assertThat(device.next("messages", Duration.ofMillis(500))).isNull();
			assertThat(deliveredCount()).as("one message pushed here").isEqualTo(delivered + 1);
			assertThat(messagesOut.count()).isEqualTo(pushed + 1);
		}
	}

	private Timer deliveredTimer() {
		return this.meters.get(ChatPipelineLatency.NAME).tag("stage", ChatPipelineLatency.DELIVERED).timer();
	}

	private long deliveredCount() {
		return deliveredTimer().count();
	}

	@Test
	void sessionsAreRegisteredForDeliveryAndRemovedOnDisconnect() throws Exception {
		SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC());
		try (StompTestClient client = connect(this.alice)) {
			assertThat(registry.gatewaysOf(List.of(this.alice))).containsEntry(this.alice,
					java.util.Set.of(this.properties.id()));
		}
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!registry.sessionsOf(List.of(this.alice)).isEmpty() && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
		assertThat(registry.sessionsOf(List.of(this.alice))).isEmpty();
	}

	@Test
	void theBrokerKeepsTheConfiguredNumberOfDestinationsResolved(@Autowired SimpleBrokerMessageHandler broker) {
		assertThat(broker.getSubscriptionRegistry()).isInstanceOfSatisfying(DefaultSubscriptionRegistry.class,
				(registry) -> assertThat(registry.getCacheLimit()).isEqualTo(this.properties.subscriptionCacheLimit())
					.isEqualTo(120_000));
	}

	@Test
	void theProducerIsOpenedAtStartUpForTheSubmittedTopic(@Autowired KafkaProducerWarmup warmup) {
		assertThat(warmup.topics()).containsExactly(ChatTopics.SUBMITTED);
		assertThat(warmup.atStartUp())
			.hasValueSatisfying((partitions) -> assertThat(partitions).containsOnlyKeys(ChatTopics.SUBMITTED));
	}

	@Test
	void sendsAboveTheUsersRateAreRefusedWithRateLimitedAndNeverReachKafka(@Autowired Environment environment)
			throws Exception {
		int burst = environment.getRequiredProperty("blueprint.ratelimit.client.rules[0].limits[0].burst",
				Integer.class);
		int sends = 2 * burst;
		String conversation = UUID.randomUUID().toString();
		try (StompTestClient client = connect(this.alice)) {
			for (int i = 0; i < sends; i++) {
				client.send(conversation, "r-" + i, "burst " + i);
			}
			Set<String> refused = new HashSet<>();
			for (JsonNode error = client.expect("errors", WAIT); error != null; error = client.next("errors",
					Duration.ofSeconds(2))) {
				assertThat(error.get("code").asString()).isEqualTo("rate-limited");
				refused.add(error.get("clientMessageId").asString());
			}
			Set<String> submitted = new HashSet<>();
			this.submitted
				.take(ChatEvent.MessageSubmitted.class, (message) -> message.senderId().equals(this.alice),
						sends - refused.size(), WAIT)
				.forEach((taken) -> submitted.add(taken.event().clientMessageId()));
			// A full bucket takes the first burst (frames of a session are handled in
			// order); the first send past it is refused, and every later one is held
			// behind it (SendOrder): refused, never both.
			assertThat(submitted).containsAll(IntStream.range(0, burst).mapToObj((i) -> "r-" + i).toList())
				.doesNotContainAnyElementsOf(refused);
			assertThat(refused).isNotEmpty();
			assertThat(submitted.size() + refused.size()).isEqualTo(sends);
			assertThat(this.submitted.take(ChatEvent.MessageSubmitted.class,
					(message) -> message.senderId().equals(this.alice), 1, Duration.ofSeconds(2)))
				.as("nothing more reaches Kafka")
				.isEmpty();
		}
	}

	@Test
	void afterARefusalTheConversationsLaterSendsWaitForTheRefusedOneSoTheyAreStoredInTheOrderSent(
			@Autowired Environment environment) throws Exception {
		int burst = environment.getRequiredProperty("blueprint.ratelimit.client.rules[0].limits[0].burst",
				Integer.class);
		int perSecond = environment.getRequiredProperty("blueprint.ratelimit.client.rules[0].limits[0].limit",
				Integer.class);
		Duration twoTokens = Duration.ofMillis(2 * 1000 / perSecond);
		UUID conversation = UUID.randomUUID();
		List<String> sent = List.of("o-1", "o-2", "o-3", "o-4", "o-5");
		try (StompTestClient client = connect(this.alice)) {
			// The bucket is emptied in other conversations (one each, so that
			// none is held), then five sends follow at once: unless the 27 rate
			// decisions take a second (five tokens back at 5/s), at least one of
			// them is refused, and every one after it is held
			for (int i = 0; i < burst + 2; i++) {
				client.send(UUID.randomUUID().toString(), "d-" + i, "drain " + i);
			}
			for (String id : sent) {
				client.send(conversation.toString(), id, id);
			}
			Map<String, JsonNode> errors = new HashMap<>();
			while (!errors.containsKey("o-5")) {
				JsonNode error = client.expect("errors", WAIT);
				errors.put(error.path("clientMessageId").asString(""), error);
			}
			String refused = sent.stream().filter(errors::containsKey).findFirst().orElseThrow();
			assertThat(errors.get(refused).get("code").asString()).isEqualTo("rate-limited");
			assertThat(errors.get(refused).get("message").asString()).doesNotContain("Waits for");
			List<String> after = sent.subList(sent.indexOf(refused) + 1, sent.size());
			for (String id : after) {
				assertThat(errors.get(id).get("code").asString()).isEqualTo("rate-limited");
				assertThat(errors.get(id).get("message").asString()).contains("Waits for " + refused);
			}

			// Tokens are back, but o-6 was sent after the refused one: it waits
			// for it too
			Thread.sleep(twoTokens.toMillis());
			client.send(conversation.toString(), "o-6", "o-6");
			assertThat(errorFor(client, "o-6").get("message").asString()).contains("Waits for " + refused);
			// Another conversation is not held, and the token was there
			client.send(UUID.randomUUID().toString(), "o-z", "elsewhere");
			this.submitted.next(ChatEvent.MessageSubmitted.class, (message) -> "o-z".equals(message.clientMessageId()),
					WAIT, "o-z");

			// Sent again in order, one token each: all taken, in the order first sent
			List<String> again = new ArrayList<>(sent.subList(sent.indexOf(refused), sent.size()));
			again.add("o-6");
			for (String id : again) {
				Thread.sleep(twoTokens.toMillis());
				client.send(conversation.toString(), id, id);
			}
			assertThat(this.submitted
				.take(ChatEvent.MessageSubmitted.class, (message) -> message.conversationId().equals(conversation),
						sent.size() + 1, WAIT)
				.stream()
				.map((taken) -> taken.event().clientMessageId()))
				.containsExactly("o-1", "o-2", "o-3", "o-4", "o-5", "o-6");
			assertThat(client.next("errors", Duration.ofMillis(500))).as("no other refusal").isNull();
		}
		assertThat(this.meters.get("blueprint.chat.gateway.sends").tag("outcome", "held").counter().count())
			.isPositive();
	}

	/** The errors until the one for {@code clientMessageId}. */
	private static JsonNode errorFor(StompTestClient client, String clientMessageId) throws InterruptedException {
		for (;;) {
			JsonNode error = client.expect("errors", WAIT);
			if (clientMessageId.equals(error.path("clientMessageId").asString(null))) {
				return error;
			}
		}
	}

	@Test
	void aConversationIdSpelledInCapitalsIsKeyedInKafkaAsTheSameConversation() throws Exception {
		UUID conversation = UUID.randomUUID();
		try (StompTestClient client = connect(this.alice)) {
			client.send(conversation.toString().toUpperCase(Locale.ROOT), "k-1", "capitals");
			// take checks every record's key against its event's conversation id
			assertThat(this.submitted
				.take(ChatEvent.MessageSubmitted.class, (message) -> message.senderId().equals(this.alice), 1, WAIT)
				.get(0)
				.event()
				.conversationId()).isEqualTo(conversation);
		}
	}

	@Test
	void withKafkaDownASendGetsRetryAndNothingIsAcked() throws Exception {
		String conversation = UUID.randomUUID().toString();
		try (StompTestClient client = connect(this.alice)) {
			TestInfrastructure.stopServer("kafka");
			try {
				client.send(conversation, "k-1", "while kafka is down");
				JsonNode error = client.expect("errors", Duration.ofSeconds(30));
				assertThat(error.get("code").asString()).isEqualTo("retry");
				assertThat(error.get("clientMessageId").asString()).isEqualTo("k-1");
				assertThat(client.isConnected()).isTrue();
			}
			finally {
				TestInfrastructure.startServer("kafka");
			}
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			ChatEvent.MessageSubmitted resent = null;
			while (resent == null && System.nanoTime() < deadline) {
				client.send(conversation, "k-1", "while kafka is down");
				try {
					resent = nextSubmitted(this.alice);
				}
				catch (AssertionError ex) {
					// the producer reconnects after the broker is back
				}
			}
			assertThat(resent).isNotNull();
			assertThat(resent.clientMessageId()).isEqualTo("k-1");
		}
	}

	private void deliver(GatewayDelivery delivery) {
		this.redis.convertAndSend(GatewayDelivery.channel(this.properties.id()), this.codec.encode(delivery));
	}

	private static JsonNode assertError(StompTestClient client, String code, String clientMessageId)
			throws InterruptedException {
		JsonNode error = client.expect("errors", WAIT);
		assertThat(error.get("code").asString()).as(error.toString()).isEqualTo(code);
		if (clientMessageId != null) {
			assertThat(error.get("clientMessageId").asString()).isEqualTo(clientMessageId);
		}
		return error;
	}

}
