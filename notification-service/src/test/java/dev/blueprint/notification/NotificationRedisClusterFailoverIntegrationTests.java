package dev.blueprint.notification;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.support.GatewaySubscriptions;
import dev.blueprint.notification.support.PushIntegrationTest;
import dev.blueprint.testsupport.ProductionSettings;
import dev.blueprint.testsupport.TestRedisCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis Cluster master that holds a recipient's sessions dies (SIGKILL) while
 * messages to the recipient are being stored, on a real cluster of three masters with a
 * replica each, with the cluster client's settings of production: the delivery listener's
 * batches fail while the slots have no master, are retried (once a second, 30 times as
 * production sets it, {@code notification.delivery-retries}), and once the replica has
 * taken over every message reaches the recipient's gateway, in seq order; none is lost or
 * skipped.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class NotificationRedisClusterFailoverIntegrationTests extends PushIntegrationTest {

	private static final Logger logger = LoggerFactory
		.getLogger(NotificationRedisClusterFailoverIntegrationTests.class);

	private static final TestRedisCluster cluster = TestRedisCluster.startWithReplicas(18200);

	/** The master that dies, its replica, and the node the gateway subscribes through. */
	private static final int MASTER = 0;

	private static final int REPLICA = 3;

	private static final int GATEWAY_NODE = 4;

	/**
	 * Within the listener's retries (production's 30, a second apart) after the failover:
	 * the failover itself (3 s node timeout) and the clients' view refreshed; slack for a
	 * loaded build machine.
	 */
	private static final Duration RECOVERY = Duration.ofSeconds(45);

	private final GatewaySubscriptions gateways = new GatewaySubscriptions();

	@Autowired
	private StringRedisTemplate redis;

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
		TestRedisCluster.addProductionClientSettingsTo(registry);
		// As production's component sets them (30: the default, 10 retries a second
		// apart, was used up by one run's failover, the last delivery 13.2 s after the
		// kill).
		registry.add("notification.delivery-retries", () -> ProductionSettings.get("notification.delivery-retries"));
	}

	@AfterEach
	void stopGateways() {
		this.gateways.close();
	}

	@Test
	void aMasterThatDiesUnderDeliveriesIsReplacedAndEveryMessageArrivesInOrder() throws Exception {
		String gateway = unique("gw");
		BlockingQueue<String> received = this.gateways.subscribeThrough(cluster.uris().get(GATEWAY_NODE), gateway);
		String alice = unique("alice");
		String bob = unique("bob");
		while (cluster.masterOf(bob) != MASTER) {
			bob = unique("bob");
		}
		// a lease long enough for the whole test: no heartbeat renews it here
		new SessionRegistry(this.redis, Duration.ofMinutes(5), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(bob, gateway, "s-bob")));
		UUID conversation = UUID.randomUUID();
		persisted(conversation, alice, List.of(alice, bob), 1, "before");
		assertThat(seqsFor(bob, received, 1, Duration.ofSeconds(30))).containsExactly(1L);
		cluster.awaitReplicated(MASTER, Duration.ofSeconds(10));
		assertThat(cluster.role(MASTER)).as("not failed over before the kill").isEqualTo("master");

		Instant killed = Instant.now();
		cluster.kill(MASTER);
		persisted(conversation, alice, List.of(alice, bob), 2, "during 2", "during 3", "during 4", "during 5");
		cluster.awaitMaster(REPLICA, Duration.ofSeconds(30));

		assertThat(seqsFor(bob, received, 4, RECOVERY)).as("every message stored during the failover, in order")
			.containsExactly(2L, 3L, 4L, 5L);
		logger.info("Redis Cluster master killed under deliveries; the last reached the gateway {} ms after",
				Duration.between(killed, Instant.now()).toMillis());
	}

	/**
	 * The seqs of the first {@code count} messages for {@code user} that reach the
	 * gateway within {@code timeout}, in arrival order (each delivery once: a retried
	 * batch whose publish had gone through may repeat one, and clients drop a seq they
	 * have).
	 */
	private List<Long> seqsFor(String user, BlockingQueue<String> received, int count, Duration timeout)
			throws InterruptedException {
		List<Long> seqs = new ArrayList<>();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (seqs.size() < count && System.nanoTime() < deadline) {
			String payload = received.poll(200, TimeUnit.MILLISECONDS);
			if (payload == null) {
				continue;
			}
			GatewayDelivery decoded = this.codec.decodeDelivery(payload);
			List<GatewayDelivery> deliveries = (decoded instanceof GatewayDelivery.Batch batch) ? batch.deliveries()
					: List.of(decoded);
			for (GatewayDelivery delivery : deliveries) {
				if (delivery instanceof GatewayDelivery.MessageDelivery message && message.users().contains(user)
						&& !seqs.contains(message.message().seq())) {
					seqs.add(message.message().seq());
				}
			}
		}
		return seqs;
	}

}
