package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.chat.ConversationsStub;
import dev.blueprint.testsupport.chat.StompTestClient;
import io.lettuce.core.KillArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Presence fan-out and typing indicators through the gateway, against the build's real
 * Redis with real STOMP clients. Conversations come from a stand-in for
 * chat-message-service's {@code GET /api/v1/conversations?view=members}
 * ({@link ConversationsStub}); presence changes are published on Redis as
 * presence-service publishes them.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.contacts.min-refresh-interval=1s", "CHAT_TYPING_LIMIT_PER_SECOND=1",
				"CHAT_TYPING_BURST=3" })
@AutoConfigureMetrics
@RealInfrastructure
class PresenceAndTypingIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final ConversationsStub conversations = new ConversationsStub();

	private final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	@Autowired
	ContactBook contacts;

	@DynamicPropertySource
	static void chatMessageService(DynamicPropertyRegistry registry) {
		registry.add("gateway.contacts.url", conversations::url);
	}

	private static String unique(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** A client subscribed to presence and typing too; its conversations are read. */
	private StompTestClient connect(String user) throws Exception {
		return PresenceClients.connect(this.port, user);
	}

	/**
	 * Waits until the gateway has read {@code user}'s conversations with {@code contact}.
	 */
	private void awaitWatching(String user, String contact) throws InterruptedException {
		PresenceClients.awaitWatching(this.contacts, user, contact, WAIT);
	}

	private void publish(PresenceChanged change) {
		this.redis.convertAndSend(PresenceChanged.CHANNEL, this.codec.encode(change));
	}

	@Test
	void aPresenceChangeReachesEveryDeviceOfTheUsersWhoShareAConversationOnly() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		conversations.conversation(alice, bob);
		conversations.conversation(carol, unique("dave"));
		try (StompTestClient alicePhone = connect(alice);
				StompTestClient aliceLaptop = connect(alice);
				StompTestClient bobClient = connect(bob);
				StompTestClient carolClient = connect(carol)) {
			awaitWatching(alice, bob);
			Instant since = Instant.parse("2026-11-28T10:00:00Z");
			publish(new PresenceChanged(bob, "away", since, Instant.now()));
			for (StompTestClient device : new StompTestClient[] { alicePhone, aliceLaptop }) {
				JsonNode presence = device.expect("presence", WAIT);
				assertThat(presence.get("userId").asString()).isEqualTo(bob);
				assertThat(presence.get("status").asString()).isEqualTo("away");
				assertThat(Instant.parse(presence.get("lastSeen").asString())).isEqualTo(since);
				assertThat(presence.has("changedAt")).isFalse();
			}
			assertThat(carolClient.next("presence", Duration.ofMillis(500))).isNull();
			assertThat(bobClient.next("presence", Duration.ofMillis(100))).as("own change").isNull();
		}
		// Nobody is watched once the sessions are gone.
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (this.contacts.watchersOf(bob).contains(alice) && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(this.contacts.watchersOf(bob)).doesNotContain(alice);
	}

	/**
	 * Redis dropped the gateway's subscriptions (as a Redis restart does): changes
	 * published until the gateway subscribed again were missed, so every session is told
	 * to read presence again, once the channel is subscribed again, and pushes flow as
	 * before.
	 */
	@Test
	void whenThePresenceChannelIsSubscribedAgainEverySessionIsToldToReadPresenceAgain() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		conversations.conversation(alice, bob);
		Counter resyncs = this.meters.get("blueprint.chat.gateway.presence.resyncs").counter();
		double before = resyncs.count();
		try (StompTestClient aliceClient = connect(alice);
				StompTestClient aliceLaptop = connect(alice);
				StompTestClient carolClient = connect(carol)) {
			awaitWatching(alice, bob);
			Long killed = this.redis.execute((RedisCallback<Long>) (connection) -> {
				@SuppressWarnings("unchecked")
				RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) connection
					.getNativeConnection();
				try {
					return commands.clientKill(KillArgs.Builder.typePubsub()).get(5, TimeUnit.SECONDS);
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			});
			assertThat(killed).as("the gateway's subscriptions dropped").isPositive();
			// the container tries again every 5 s
			Duration resubscribed = Duration.ofSeconds(20);
			for (StompTestClient session : new StompTestClient[] { aliceClient, aliceLaptop, carolClient }) {
				JsonNode resync = session.expect("presence", resubscribed);
				assertThat(resync.get("resync").asBoolean()).isTrue();
				assertThat(resync.has("userId")).isFalse();
			}
			// counted once every session was told: the last one may read it first
			await().atMost(Duration.ofSeconds(5)).until(() -> resyncs.count() > before);
			publish(new PresenceChanged(bob, "online", Instant.now(), Instant.now()));
			assertThat(aliceClient.expect("presence", WAIT).get("userId").asString()).isEqualTo(bob);
		}
	}

	/**
	 * A conversation created after the user connected gives them a contact whose changes
	 * were not pushed to them until the gateway read it: once it has, the user is told to
	 * read that contact's presence ({@code userIds}), and the contact's changes are
	 * pushed from then on. Until 2026-12-07 a contact who came online in between showed
	 * offline until their next change (the web chat's browser test met it once).
	 */
	@Test
	void aUserWithANewContactIsToldToReadTheirPresence() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String dave = unique("dave");
		conversations.conversation(alice, dave);
		try (StompTestClient aliceClient = connect(alice)) {
			awaitWatching(alice, dave);
			conversations.conversation(UUID.randomUUID(), alice, bob);
			JsonNode told = null;
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (told == null && System.nanoTime() < deadline) {
				// a delivery in a conversation the gateway does not know for alice (read
				// at most once per gateway.contacts.min-refresh-interval, 1 s here)
				this.contacts.seen(alice, UUID.randomUUID());
				told = aliceClient.next("presence", Duration.ofMillis(300));
			}
			assertThat(told).as("told of the new contact").isNotNull();
			assertThat(told.get("resync").asBoolean()).isTrue();
			assertThat(told.get("userIds").toString()).isEqualTo("[\"" + bob + "\"]");
			assertThat(this.contacts.watchersOf(bob)).contains(alice);
			assertThat(aliceClient.next("presence", Duration.ofMillis(1500))).as("told once").isNull();
		}
	}

	/**
	 * A contact's change that came while the gateway was still reading a user's
	 * conversations after their connect reached no one here (the gateway did not know
	 * whom it concerned), and the client may have read presence before it: once the read
	 * is done, the user is told to read that contact's presence, not their other
	 * contacts'.
	 */
	@Test
	void aUserIsToldOfAContactsChangeThatCameWhileTheirConversationsWereBeingRead() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		conversations.conversation(alice, bob);
		conversations.conversation(alice, carol);
		conversations.delay(Duration.ofMillis(1000));
		try (StompTestClient aliceClient = connect(alice)) {
			assertThat(this.contacts.watchersOf(bob)).as("still reading").doesNotContain(alice);
			publish(new PresenceChanged(bob, "online", null, Instant.now()));
			awaitWatching(alice, bob);
			JsonNode told = aliceClient.expect("presence", WAIT);
			assertThat(told.get("resync").asBoolean()).isTrue();
			assertThat(told.get("userIds").toString()).isEqualTo("[\"" + bob + "\"]");
			conversations.delay(Duration.ZERO);
			publish(new PresenceChanged(carol, "online", null, Instant.now()));
			assertThat(aliceClient.expect("presence", WAIT).get("userId").asString()).isEqualTo(carol);
			assertThat(aliceClient.next("presence", Duration.ofMillis(300))).as("told once").isNull();
		}
		finally {
			conversations.delay(Duration.ZERO);
		}
	}

	@Test
	void typingIsRelayedToTheOtherMembersOnly() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		UUID conversation = UUID.randomUUID();
		conversations.conversation(conversation, alice, bob, carol);
		String outsider = unique("mallory");
		try (StompTestClient aliceClient = connect(alice);
				StompTestClient bobClient = connect(bob);
				StompTestClient carolClient = connect(carol);
				StompTestClient malloryClient = connect(outsider)) {
			aliceClient.sendRaw("/app/conversations/" + conversation + "/typing", "");
			for (StompTestClient member : new StompTestClient[] { bobClient, carolClient }) {
				JsonNode typing = member.expect("typing", WAIT);
				assertThat(typing.get("conversationId").asString()).isEqualTo(conversation.toString());
				assertThat(typing.get("userId").asString()).isEqualTo(alice);
				assertThat(typing.get("typing").asBoolean()).isTrue();
			}
			aliceClient.sendRaw("/app/conversations/" + conversation + "/typing", "{\"typing\":false}");
			assertThat(bobClient.expect("typing", WAIT).get("typing").asBoolean()).isFalse();
			assertThat(aliceClient.next("typing", Duration.ofMillis(300))).as("own typing").isNull();
			assertThat(aliceClient.next("errors", Duration.ofMillis(100))).isNull();

			malloryClient.sendRaw("/app/conversations/" + conversation + "/typing", "");
			assertError(malloryClient, "not-a-member");
			assertThat(bobClient.next("typing", Duration.ofMillis(300))).isNull();
		}
	}

	@Test
	void badTypingFramesGetAnErrorAndTheSessionStays() throws Exception {
		String alice = unique("alice");
		UUID conversation = UUID.randomUUID();
		conversations.conversation(conversation, alice, unique("bob"));
		try (StompTestClient client = connect(alice)) {
			client.sendRaw("/app/conversations/not-a-uuid/typing", "");
			assertError(client, "unknown-conversation");
			client.sendRaw("/app/conversations/" + conversation + "/typing", "{not json");
			assertError(client, "malformed-json");
			client.sendRaw("/app/conversations/" + conversation + "/typing", "{\"typing\":\"yes\"}");
			assertError(client, "invalid-field");
			assertThat(client.isConnected()).isTrue();
		}
	}

	@Test
	void typingAboveTheUsersRateIsRefusedWithRateLimited() throws Exception {
		String alice = unique("alice");
		UUID conversation = UUID.randomUUID();
		conversations.conversation(conversation, alice, unique("bob"));
		try (StompTestClient client = connect(alice)) {
			// A burst of 3 at 1/s: the first 3 pass, the 4th within the same second does
			// not.
			for (int i = 0; i < 4; i++) {
				client.sendRaw("/app/conversations/" + conversation + "/typing", "");
			}
			assertError(client, "rate-limited");
			assertThat(client.next("errors", Duration.ofMillis(300))).isNull();
		}
	}

	@Test
	void aConversationCreatedAfterConnectingIsReadWhenFirstUsed() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		conversations.conversation(UUID.randomUUID(), alice, unique("someone"));
		try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
			Thread.sleep(1100);
			UUID later = UUID.randomUUID();
			conversations.conversation(later, alice, bob);
			aliceClient.sendRaw("/app/conversations/" + later + "/typing", "");
			assertThat(bobClient.expect("typing", WAIT).get("userId").asString()).isEqualTo(alice);
			// Alice's conversations were read for the typing check, Bob's when the typing
			// frame for an unknown conversation reached him: each now watches the other.
			awaitWatching(alice, bob);
			awaitWatching(bob, alice);
		}
	}

	private static void assertError(StompTestClient client, String code) throws InterruptedException {
		JsonNode error = client.expect("errors", WAIT);
		assertThat(error.get("code").asString()).as(error.toString()).isEqualTo(code);
	}

}
