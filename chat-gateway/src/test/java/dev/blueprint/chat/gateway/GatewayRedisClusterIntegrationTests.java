package dev.blueprint.chat.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.gateway.contacts.ContactBook;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestRedisCluster;
import dev.blueprint.testsupport.chat.ConversationsStub;
import dev.blueprint.testsupport.chat.StompTestClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * chat-gateway on a real three-master Redis Cluster, production's shape
 * (k8s/components/production), with real STOMP clients: its sessions in the registry, its
 * delivery and presence channels receiving what is published through any node, and typing
 * (pipelined publishes) and the send limit (the embedded rate limiter) there too. Until
 * 2026-12-07 the gateway had never run on a cluster.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.contacts.min-refresh-interval=1s", "CHAT_TYPING_LIMIT_PER_SECOND=1",
				"CHAT_TYPING_BURST=3" })
@RealInfrastructure
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class GatewayRedisClusterIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final TestRedisCluster cluster = TestRedisCluster.start(18140);

	private static final ConversationsStub conversations = new ConversationsStub();

	private final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	RedisConnectionFactory connections;

	@Autowired
	GatewayProperties properties;

	@Autowired
	ContactBook contacts;

	@DynamicPropertySource
	static void redisClusterAndConversations(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
		registry.add("gateway.contacts.url", conversations::url);
	}

	private static String unique(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	private StompTestClient connect(String user) throws Exception {
		return PresenceClients.connect(this.port, user);
	}

	@Test
	void aSessionIsRegisteredAndGetsWhatIsPublishedThroughEveryNode() throws Exception {
		assertThat(((LettuceConnectionFactory) this.connections).getClusterConfiguration()).isNotNull();
		String alice = unique("alice");
		String bob = unique("bob");
		conversations.conversation(alice, bob);
		try (StompTestClient client = connect(alice)) {
			SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC());
			assertThat(registry.gatewaysOf(List.of(alice)).get(alice)).containsExactly(this.properties.id());
			awaitWatching(alice, bob);
			UUID conversation = UUID.randomUUID();
			long seq = 0;
			for (RedisURI node : cluster.uris()) {
				seq++;
				publishThrough(node, GatewayDelivery.channel(this.properties.id()),
						this.codec.encode(new GatewayDelivery.MessageDelivery(List.of(alice),
								new GatewayDelivery.ChatMessage(conversation, seq, UUID.randomUUID(), bob,
										"through " + node.getPort(), Instant.now()))));
				JsonNode message = client.expect("messages", WAIT);
				assertThat(message.get("seq").asLong()).isEqualTo(seq);
				assertThat(message.get("body").asString()).isEqualTo("through " + node.getPort());

				publishThrough(node, PresenceChanged.CHANNEL, this.codec.encode(
						new PresenceChanged(bob, (seq % 2 == 0) ? "online" : "away", Instant.now(), Instant.now())));
				JsonNode presence = client.expect("presence", WAIT);
				assertThat(presence.get("userId").asString()).isEqualTo(bob);
			}
		}
	}

	@Test
	void typingReachesTheOtherMemberAndItsLimitHolds() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = UUID.randomUUID();
		conversations.conversation(conversation, alice, bob);
		try (StompTestClient aliceClient = connect(alice); StompTestClient bobClient = connect(bob)) {
			aliceClient.sendRaw("/app/conversations/" + conversation + "/typing", "");
			JsonNode typing = bobClient.expect("typing", WAIT);
			assertThat(typing.get("userId").asString()).isEqualTo(alice);
			// CHAT_TYPING_BURST=3: the rate limiter's script runs on the cluster too;
			// failing open there, every one would pass
			for (int i = 0; i < 5; i++) {
				aliceClient.sendRaw("/app/conversations/" + conversation + "/typing", "");
			}
			JsonNode error = aliceClient.expect("errors", WAIT);
			assertThat(error.get("code").asString()).isEqualTo("rate-limited");
		}
	}

	private void awaitWatching(String user, String contact) throws InterruptedException {
		PresenceClients.awaitWatching(this.contacts, user, contact, WAIT);
	}

	/** A publish through one node, as a notification-service connected to it does. */
	private static void publishThrough(RedisURI node, String channel, String message) {
		RedisClient client = RedisClient.create(node);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			assertThat(connection.sync().publish(channel, message)).as("published through " + node.getPort())
				.isNotNull();
		}
		finally {
			client.shutdown();
		}
	}

}
