package dev.blueprint.notification;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.delivery.DeliveryListener;
import dev.blueprint.notification.delivery.ListeningGateways;
import dev.blueprint.notification.support.GatewaySubscriptions;
import dev.blueprint.notification.support.PushIntegrationTest;
import dev.blueprint.testsupport.TestRedisCluster;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * notification-service on a real three-master Redis Cluster, production's shape
 * (k8s/components/production): deliveries reach a gateway whichever node it subscribed
 * through, and only those that reached no gateway are counted unreceived; a user whose
 * only gateway stopped listening is notified by push, one on a listening gateway is not.
 * On a cluster a node's {@code PUBLISH} answer and {@code PUBSUB NUMSUB} count that
 * node's subscribers only: until 2026-12-07 both checks were off there.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class NotificationRedisClusterIntegrationTests extends PushIntegrationTest {

	private static final TestRedisCluster cluster = TestRedisCluster.start(18130);

	private final GatewaySubscriptions gateways = new GatewaySubscriptions();

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private RedisConnectionFactory connections;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private ListeningGateways listeningGateways;

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
	}

	@AfterEach
	void stopGateways() {
		this.gateways.close();
	}

	@Test
	void deliveriesReachAGatewaySubscribedThroughAnyNodeAndOnlyThoseToNobodyAreCountedUnreceived() throws Exception {
		assertThat(((LettuceConnectionFactory) this.connections).getClusterConfiguration()).isNotNull();
		SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC());
		String alice = unique("alice");
		for (RedisURI node : cluster.uris()) {
			// a gateway subscribed through this node; dave's gateway is gone
			String gateway = unique("gw-" + node.getPort());
			BlockingQueue<String> received = this.gateways.subscribeThrough(node, gateway);
			String bob = unique("bob");
			String dave = unique("dave");
			registry.renew(List.of(new SessionRegistry.Session(bob, gateway, "s-bob"),
					new SessionRegistry.Session(dave, unique("gw-gone"), "s-dave")));
			double before = unreceived();
			publish(new ChatEvent.MessagePersisted(UUID.randomUUID(), 1, UUID.randomUUID(), alice, "c-1",
					"through " + node.getPort(), java.time.Instant.now(), List.of(alice, bob, dave), false,
					new ChatEvent.Origin("gw-sender", "s-alice")));

			String delivery = received.poll(30, TimeUnit.SECONDS);
			assertThat(delivery).as("the delivery through node " + node.getPort()).isNotNull();
			assertThat(this.codec.decodeDelivery(delivery)).isInstanceOf(GatewayDelivery.MessageDelivery.class);
			await("dave's delivery counted", Duration.ofSeconds(10), () -> unreceived() > before);
			Thread.sleep(200);
			assertThat(unreceived()).as("only dave's, not bob's through node " + node.getPort()).isEqualTo(before + 1);
		}
	}

	@Test
	void aUserWhoseGatewayStoppedListeningIsNotifiedAndOneOnAListeningGatewayIsNot() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		List<String> listening = new ArrayList<>();
		SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC());
		registry.renew(List.of(new SessionRegistry.Session(bob, unique("gw-dead"), "s-bob")));
		for (RedisURI node : cluster.uris()) {
			String carol = unique("carol-" + node.getPort());
			String gateway = unique("gw-" + node.getPort());
			this.gateways.subscribeThrough(node, gateway);
			registry.renew(List.of(new SessionRegistry.Session(carol, gateway, "s-carol")));
			listening.add(carol);
		}
		UUID conversation = UUID.randomUUID();
		List<String> members = new ArrayList<>(List.of(alice, bob));
		members.addAll(listening);
		persisted(conversation, alice, members, 1, "while bob's gateway is gone");

		await("bob's push", Duration.ofSeconds(30), () -> !webhook.receivedFor(bob).isEmpty());
		assertThat(notificationsOf(bob, conversation)).hasSize(1);
		for (String carol : listening) {
			assertThat(notificationsOf(carol, conversation)).as(carol + " is online").isEmpty();
			assertThat(webhook.receivedFor(carol)).isEmpty();
		}
	}

	/**
	 * A node that does not answer (frozen, as a hung one) leaves the count incomplete: a
	 * gateway counted 0 by the others may subscribe through it, so it is taken as
	 * listening (no push for its users, none of its deliveries counted unreceived), and
	 * the count says so; once the node answers again, a gone gateway is gone again.
	 * Before, one silent node failed the whole count, and with it the push batch.
	 */
	@Test
	void aNodeThatDoesNotAnswerLeavesGatewaysCountedZeroTakenAsListening() throws Exception {
		String listening = unique("gw-listening");
		this.gateways.subscribeThrough(cluster.uris().get(0), listening);
		String gone = unique("gw-gone");
		assertThat(this.listeningGateways.of(List.of(listening, gone))).containsExactly(listening);
		double incomplete = this.meters.get("blueprint.chat.gateways.counts.incomplete").counter().count();
		cluster.freeze(2);
		try {
			assertThat(this.listeningGateways.of(List.of(listening, gone))).containsExactlyInAnyOrder(listening, gone);
			assertThat(this.meters.get("blueprint.chat.gateways.counts.incomplete").counter().count())
				.as("the listeners may count too meanwhile")
				.isGreaterThan(incomplete);
		}
		finally {
			cluster.thaw(2);
		}
		await("node 2 answers again", Duration.ofSeconds(10),
				() -> this.listeningGateways.of(List.of(listening, gone)).equals(java.util.Set.of(listening)));
	}

	private double unreceived() {
		Counter counter = this.meters.find(DeliveryListener.UNRECEIVED_METRIC).tag("kind", "message").counter();
		return (counter != null) ? counter.count() : 0;
	}

}
