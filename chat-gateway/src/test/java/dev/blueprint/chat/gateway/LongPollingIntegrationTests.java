package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.ConversationsStub;
import dev.blueprint.testsupport.chat.StompTestClient;
import dev.blueprint.testsupport.chat.StompTestClient.SockJsTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.socket.messaging.StompSubProtocolHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The long-polling fallback: the whole protocol over SockJS with WebSocket unavailable,
 * through Spring's real {@code SockJsClient} allowed exactly one transport
 * (xhr-streaming, or xhr-polling — one HTTP request per batch of frames), against the
 * build's real Kafka and Redis. The token travels as the {@code access_token} query
 * parameter, as a browser sends it; the SockJS info and xhr paths pass the platform's
 * security chain without a bearer header ({@code GatewayConfiguration#chatHandshakes}).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.contacts.min-refresh-interval=1s", "CHAT_TYPING_BURST=20" })
@RealInfrastructure
class LongPollingIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final ConversationsStub conversations = new ConversationsStub();

	private final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	int port;

	@Autowired
	GatewayProperties properties;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	ContactBook contacts;

	private SubmittedTopic submitted;

	@DynamicPropertySource
	static void chatMessageService(DynamicPropertyRegistry registry) {
		registry.add("gateway.contacts.url", conversations::url);
	}

	@BeforeEach
	void watchSubmittedTopic() {
		this.submitted = SubmittedTopic.fromEnd();
	}

	@AfterEach
	void close() {
		this.submitted.close();
	}

	private static String unique(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	private String sockJs() {
		return "http://localhost:" + this.port + "/sockjs";
	}

	/**
	 * A client on exactly this transport, token as a query parameter, subscribed to every
	 * queue of the protocol.
	 */
	private StompTestClient connect(String user, SockJsTransport transport) throws Exception {
		StompTestClient client = StompTestClient.connectSockJs(sockJs() + "?access_token=" + TestTokens.token(user),
				null, transport);
		client.subscribe("presence");
		client.subscribe("typing");
		client.subscribe("receipts");
		client.awaitReady();
		assertThat(client.transportUrls()).isNotEmpty()
			.allSatisfy((url) -> assertThat(java.net.URI.create(url).getPath()).startsWith("/sockjs/")
				.endsWith("/" + transport.urlSegment()));
		return client;
	}

	@ParameterizedTest
	@EnumSource(names = { "XHR_POLLING", "XHR_STREAMING" })
	void connectNeedsAValidTokenOverHttpTransportsToo(SockJsTransport transport) throws Exception {
		String alice = unique("alice");
		assertThatException().isThrownBy(() -> StompTestClient.connectSockJs(sockJs(), null, transport));
		assertThatException().isThrownBy(() -> StompTestClient
			.connectSockJs(sockJs() + "?access_token=" + TestTokens.tampered(alice), null, transport));
		assertThatException()
			.isThrownBy(() -> StompTestClient.connectSockJs(sockJs(), TestTokens.expired(alice), transport));
		try (StompTestClient header = StompTestClient.connectSockJs(sockJs(), TestTokens.token(alice), transport)
			.awaitReady()) {
			assertThat(header.isConnected()).isTrue();
		}
	}

	@ParameterizedTest
	@EnumSource(names = { "XHR_POLLING", "XHR_STREAMING" })
	void theWholeProtocolWorksWithoutWebSocket(SockJsTransport transport) throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = UUID.randomUUID();
		conversations.conversation(conversation, alice, bob);
		try (StompTestClient aliceClient = connect(alice, transport);
				StompTestClient bobClient = connect(bob, transport)) {
			// SEND goes to Kafka keyed by conversation, with the sender from the token.
			aliceClient.send(conversation.toString(), "lp-1", "over " + transport);
			ChatEvent.MessageSubmitted message = nextSubmitted(alice);
			assertThat(message.clientMessageId()).isEqualTo("lp-1");
			assertThat(message.conversationId()).isEqualTo(conversation);

			// The ack and the delivery (as notification-service routes them) come back.
			deliver(new GatewayDelivery.AckDelivery(List.of(alice),
					new GatewayDelivery.MessageAck("lp-1", conversation, 1)));
			deliver(new GatewayDelivery.MessageDelivery(List.of(alice, bob), new GatewayDelivery.ChatMessage(
					conversation, 1, UUID.randomUUID(), alice, "over " + transport, Instant.now())));
			JsonNode ack = aliceClient.expect("acks", WAIT);
			assertThat(ack.get("clientMessageId").asString()).isEqualTo("lp-1");
			assertThat(ack.get("seq").asLong()).isEqualTo(1);
			for (StompTestClient member : List.of(aliceClient, bobClient)) {
				JsonNode received = member.expect("messages", WAIT);
				assertThat(received.get("seq").asLong()).isEqualTo(1);
				assertThat(received.get("body").asString()).isEqualTo("over " + transport);
				assertThat(received.get("senderId").asString()).isEqualTo(alice);
			}

			// Errors name the problem and the session stays.
			aliceClient.sendRaw("/app/conversations/" + conversation + "/messages", "{not json");
			assertThat(aliceClient.expect("errors", WAIT).get("code").asString()).isEqualTo("malformed-json");
			aliceClient.send(conversation.toString(), "lp-2", "x".repeat(this.properties.maxBodyBytes() + 1));
			assertThat(aliceClient.expect("errors", WAIT).get("code").asString()).isEqualTo("body-too-large");

			// Typing is relayed to the other member.
			aliceClient.sendRaw("/app/conversations/" + conversation + "/typing", "");
			JsonNode typing = bobClient.expect("typing", WAIT);
			assertThat(typing.get("userId").asString()).isEqualTo(alice);
			assertThat(typing.get("typing").asBoolean()).isTrue();

			// Presence changes of a contact are pushed.
			awaitWatching(bob, alice);
			this.redis.convertAndSend(PresenceChanged.CHANNEL,
					this.codec.encode(new PresenceChanged(alice, "away", Instant.now(), Instant.now())));
			JsonNode presence = bobClient.expect("presence", WAIT);
			assertThat(presence.get("userId").asString()).isEqualTo(alice);
			assertThat(presence.get("status").asString()).isEqualTo("away");

			// Many frames in a row all arrive, in order (a poll carries a batch).
			for (int seq = 2; seq <= 30; seq++) {
				deliver(new GatewayDelivery.MessageDelivery(List.of(bob), new GatewayDelivery.ChatMessage(conversation,
						seq, UUID.randomUUID(), alice, "m" + seq, Instant.now())));
			}
			for (int seq = 2; seq <= 30; seq++) {
				assertThat(bobClient.expect("messages", WAIT).get("seq").asLong()).isEqualTo(seq);
			}
			assertThat(aliceClient.isConnected()).isTrue();
			assertThat(bobClient.isConnected()).isTrue();
		}
	}

	/**
	 * A body and clientMessageId at their limits, of the character JSON escapes most, are
	 * taken on every SockJS transport: escaped once in the STOMP frame and once more by
	 * SockJS, seven characters a byte. Over SockJS's WebSocket transport SockJS takes a
	 * message only whole: it is joined from its parts below SockJS
	 * ({@link SockJsHandshake}) past the container's text buffer; a frame above the frame
	 * limit still closes the connection.
	 */
	@ParameterizedTest
	@EnumSource(SockJsTransport.class)
	void aBodyAtItsLimitIsTakenOnEveryTransportHoweverItIsEscaped(SockJsTransport transport) throws Exception {
		String alice = unique("alice");
		String conversation = UUID.randomUUID().toString();
		int limit = this.properties.maxBodyBytes();
		String clientMessageId = "\u0001".repeat(this.properties.maxClientMessageIdLength());
		int frameLimit = (int) this.properties.maxFrameSize().toBytes();
		assertThat(7 * (limit + clientMessageId.length()))
			.as("the escaped body is above the text buffer Spring's STOMP handler asks of a session")
			.isGreaterThan(StompSubProtocolHandler.MINIMUM_WEBSOCKET_MESSAGE_SIZE)
			.isLessThan(frameLimit);
		try (StompTestClient client = connect(alice, transport)) {
			for (String body : List.of("\u0001".repeat(limit), "\"".repeat(limit), "\\".repeat(limit))) {
				client.send(conversation, clientMessageId, body);
				ChatEvent.MessageSubmitted submitted = nextSubmitted(alice);
				assertThat(submitted.body()).isEqualTo(body);
				assertThat(submitted.clientMessageId()).isEqualTo(clientMessageId);
			}
			client.send(conversation, "c-over", "\u0001".repeat(limit + 1));
			JsonNode error = client.expect("errors", WAIT);
			assertThat(error.get("code").asString()).isEqualTo("body-too-large");
			assertThat(error.get("clientMessageId").asString()).isEqualTo("c-over");
			assertThat(client.isConnected()).isTrue();

			client.send(conversation, "c-frame-over", "x".repeat(frameLimit));
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (client.isConnected() && System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			assertThat(client.isConnected()).as("connected after a frame above the limit").isFalse();
		}
	}

	private void awaitWatching(String user, String contact) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!this.contacts.watchersOf(contact).contains(user) && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(this.contacts.watchersOf(contact)).contains(user);
	}

	private ChatEvent.MessageSubmitted nextSubmitted(String sender) {
		return this.submitted
			.next(ChatEvent.MessageSubmitted.class, (message) -> message.senderId().equals(sender), WAIT,
					"by " + sender)
			.event();
	}

	private void deliver(GatewayDelivery delivery) {
		this.redis.convertAndSend(GatewayDelivery.channel(this.properties.id()), this.codec.encode(delivery));
	}

}
