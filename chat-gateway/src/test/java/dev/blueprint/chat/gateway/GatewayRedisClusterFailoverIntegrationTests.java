package dev.blueprint.chat.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestRedisCluster;
import dev.blueprint.testsupport.chat.ConversationsStub;
import dev.blueprint.testsupport.chat.StompTestClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis Cluster node a gateway's delivery channel is subscribed through dies
 * (SIGKILL), and a master with its client's session keys (that node, if it is a master,
 * else another one), on a real cluster of three masters with a replica each, with the
 * cluster client's settings of production: the gateway subscribes again through a node
 * that lives, and its client receives what is published after, with its session still in
 * the registry, renewed through the new master. Deliveries published in between reach
 * nobody (pub/sub keeps nothing); the client fills the gap from history by seq, as after
 * any missed delivery.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@RealInfrastructure
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class GatewayRedisClusterFailoverIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(GatewayRedisClusterFailoverIntegrationTests.class);

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * How long the gateway may take to listen again: the failover (3 s node timeout), the
	 * listener container's recovery (5 s between attempts), a refresh of the clients'
	 * view of the cluster (up to its 30 s period), with slack for a loaded build machine.
	 */
	private static final Duration RECOVERY = Duration.ofSeconds(60);

	private static final TestRedisCluster cluster = TestRedisCluster.startWithReplicas(18180);

	private static final ConversationsStub conversations = new ConversationsStub();

	private final ChatEventCodec codec = new ChatEventCodec();

	@LocalServerPort
	int port;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	GatewayProperties properties;

	@DynamicPropertySource
	static void redisClusterAndConversations(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
		TestRedisCluster.addProductionClientSettingsTo(registry);
		registry.add("gateway.contacts.url", conversations::url);
	}

	@Test
	void aGatewaySubscribedThroughANodeThatDiesListensAgainThroughAnother() throws Exception {
		String channel = GatewayDelivery.channel(this.properties.id());
		int subscribedThrough = nodeSubscribedTo(channel);
		long subscribing = System.nanoTime() + WAIT.toNanos();
		while (subscribedThrough < 0 && System.nanoTime() < subscribing) {
			Thread.sleep(100);
			subscribedThrough = nodeSubscribedTo(channel);
		}
		assertThat(subscribedThrough).as("the node the delivery channel is subscribed through").isNotNegative();
		// A master dies in any case, and Alice's session keys are on its slots: that
		// node if it is a master, else another master beside the replica (not the
		// replica's own: its slots would be left with no node at all).
		int master = (subscribedThrough < 3) ? subscribedThrough : (subscribedThrough - 3 + 1) % 3;
		String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
		while (cluster.masterOf(alice) != master) {
			alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
		}
		UUID conversation = UUID.randomUUID();
		conversations.conversation(conversation, alice, "bob");
		try (StompTestClient client = PresenceClients.connect(this.port, alice)) {
			long seq = 1;
			publishThroughAny(channel, delivery(alice, conversation, seq, "before"));
			assertThat(client.expect("messages", WAIT).get("seq").asLong()).isEqualTo(seq);

			// her registration replicated, and no failover of its own before the kill
			cluster.awaitReplicated(master, Duration.ofSeconds(10));
			assertThat(cluster.role(master)).isEqualTo("master");
			assertThat(cluster.role(subscribedThrough)).isEqualTo((subscribedThrough < 3) ? "master" : "slave");
			Instant killed = Instant.now();
			cluster.kill(subscribedThrough);
			if (master != subscribedThrough) {
				cluster.kill(master);
			}
			// its replica takes over the master's slots
			cluster.awaitMaster(master + 3, Duration.ofSeconds(30));
			// Published again and again until one arrives: those before the gateway
			// subscribed again reach nobody.
			long deadline = System.nanoTime() + RECOVERY.toNanos();
			JsonNode received = null;
			while (received == null && System.nanoTime() < deadline) {
				seq++;
				publishThroughAny(channel, delivery(alice, conversation, seq, "after"));
				received = client.next("messages", Duration.ofMillis(500));
			}
			assertThat(received).as("a delivery published after the node died, within " + RECOVERY).isNotNull();
			logger.info(
					"Redis Cluster node {} ({}, the delivery channel's) and master {} killed; the gateway received "
							+ "again {} ms after",
					cluster.ports().get(subscribedThrough), (subscribedThrough < 3) ? "a master" : "a replica",
					cluster.ports().get(master), Duration.between(killed, Instant.now()).toMillis());
			assertThat(received.get("body").asString()).isEqualTo("after");
			assertThat(nodeSubscribedTo(channel)).as("subscribed through a node that lives")
				.isNotNegative()
				.isNotEqualTo(subscribedThrough);
			// and its session is still registered (renewed through the cluster as it is
			// now); a read of a killed master's slots fails until the view is refreshed
			SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC());
			assertThat(gatewaysOf(registry, alice, this.properties.id(), deadline))
				.containsExactly(this.properties.id());
			logger.info("... and its session was read from the registry {} ms after",
					Duration.between(killed, Instant.now()).toMillis());
		}
	}

	/**
	 * The user's gateways in the registry, read again until they include {@code gateway}
	 * or {@code deadline} passes: while a read fails (the clients' view of the cluster
	 * not refreshed yet), and while the session is missing (its renewal not yet through
	 * the new master).
	 */
	private static java.util.Set<String> gatewaysOf(SessionRegistry registry, String user, String gateway,
			long deadline) throws InterruptedException {
		while (true) {
			try {
				java.util.Set<String> gateways = registry.gatewaysOf(List.of(user)).get(user);
				if ((gateways != null && gateways.contains(gateway)) || System.nanoTime() > deadline) {
					return gateways;
				}
			}
			catch (RuntimeException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
			}
			Thread.sleep(200);
		}
	}

	private String delivery(String recipient, UUID conversation, long seq, String body) {
		return this.codec.encode(new GatewayDelivery.MessageDelivery(List.of(recipient),
				new GatewayDelivery.ChatMessage(conversation, seq, UUID.randomUUID(), "bob", body, Instant.now())));
	}

	/** The index of the running node with a subscriber of {@code channel}, or -1. */
	private static int nodeSubscribedTo(String channel) {
		List<RedisURI> nodes = cluster.uris();
		for (int i = 0; i < nodes.size(); i++) {
			RedisClient client = RedisClient.create(nodes.get(i));
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				Long count = connection.sync().pubsubNumsub(channel).get(channel);
				if (count != null && count > 0) {
					return i;
				}
			}
			catch (RuntimeException ex) {
				// a node that is down
			}
			finally {
				client.shutdown();
			}
		}
		return -1;
	}

	/** A publish through the first node that answers, as a notification-service does. */
	private static void publishThroughAny(String channel, String message) {
		for (RedisURI node : cluster.uris()) {
			RedisClient client = RedisClient.create(node);
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				connection.sync().publish(channel, message);
				return;
			}
			catch (RuntimeException ex) {
				// a node that is down: the next one
			}
			finally {
				client.shutdown();
			}
		}
		throw new IllegalStateException("no node of the cluster took the publish");
	}

}
