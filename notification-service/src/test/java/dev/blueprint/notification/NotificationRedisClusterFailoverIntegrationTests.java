package dev.blueprint.notification;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.GatewayDelivery;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.support.GatewaySubscriptions;
import dev.blueprint.notification.support.PushIntegrationTest;
import dev.blueprint.testsupport.ProductionSettings;
import dev.blueprint.testsupport.TestRedisCluster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * The Redis Cluster master that holds one recipient's sessions dies (SIGKILL) while
 * messages to them and to another recipient are being stored, on a real cluster of three
 * masters with a replica each, with the cluster client's settings of production. Until
 * 2026-12-08 every delivery of the instance then waited for the failover (the batch's
 * lookup and publishes failed whole and were retried): now the other recipient's
 * deliveries go on through the live masters, the first one's go to every gateway (their
 * sessions cannot be looked up), both before the replica has taken over, in seq order;
 * and once the client's view has the new master, the first recipient's sessions are
 * looked up again.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class NotificationRedisClusterFailoverIntegrationTests extends PushIntegrationTest {

	private static final Logger logger = LoggerFactory
		.getLogger(NotificationRedisClusterFailoverIntegrationTests.class);

	/**
	 * A node timeout of 8 s: the deliveries are shown to arrive before the replica takes
	 * over, which with 3 s left a loaded machine little room.
	 */
	private static final TestRedisCluster cluster = TestRedisCluster.startWithReplicas(18200, Duration.ofSeconds(8));

	/** The master that dies, its replica, and the node the gateway subscribes through. */
	private static final int MASTER = 0;

	private static final int REPLICA = 3;

	private static final int GATEWAY_NODE = 4;

	/**
	 * The failover itself (8 s node timeout) and the clients' view refreshed; slack for a
	 * loaded build machine.
	 */
	private static final Duration RECOVERY = Duration.ofSeconds(45);

	private final GatewaySubscriptions gateways = new GatewaySubscriptions();

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
		TestRedisCluster.addProductionClientSettingsTo(registry);
		// As production's component sets them (30: the default, 10 retries a second
		// apart, was used up by one run's failover, the last delivery 13.2 s after the
		// kill).
		registry.add("notification.delivery-retries", () -> ProductionSettings.get("notification.delivery-retries"));
		// 500 ms by default (the tests' configuration sets 2 s): a live node's read just
		// after the kill can take longer on a loaded build machine, and the user on it
		// would go to every gateway too
		registry.add("notification.delivery-lookup-timeout", () -> "1500ms");
	}

	@AfterEach
	void stopGateways() {
		this.gateways.close();
	}

	@Test
	void aMasterThatDiesHoldsUpNoDeliveryAndItsUsersGoToEveryGatewayUntilTheReplicaTookOver() throws Exception {
		String gateway = unique("gw");
		Arrivals arrivals = new Arrivals(
				this.gateways.subscribeAsGatewayThrough(cluster.uris().get(GATEWAY_NODE), gateway));
		String alice = unique("alice");
		String bob = unique("bob");
		while (cluster.masterOf(bob) != MASTER) {
			bob = unique("bob");
		}
		String carol = unique("carol");
		while (cluster.masterOf(carol) == MASTER) {
			carol = unique("carol");
		}
		// a lease long enough for the whole test: no heartbeat renews it here
		new SessionRegistry(this.redis, Duration.ofMinutes(5), Clock.systemUTC())
			.renew(List.of(new SessionRegistry.Session(bob, gateway, "s-bob"),
					new SessionRegistry.Session(carol, gateway, "s-carol")));
		UUID toBob = UUID.randomUUID();
		UUID toCarol = UUID.randomUUID();
		persisted(toBob, alice, List.of(alice, bob), 1, "before");
		persisted(toCarol, alice, List.of(alice, carol), 1, "before");
		assertThat(seqs(arrivals.await(bob, 1, Duration.ofSeconds(30)))).containsExactly(1L);
		assertThat(seqs(arrivals.await(carol, 1, Duration.ofSeconds(30)))).containsExactly(1L);
		cluster.awaitReplicated(MASTER, Duration.ofSeconds(10));
		assertThat(cluster.role(MASTER)).as("not failed over before the kill").isEqualTo("master");

		Counter unresolved = this.meters.counter("blueprint.chat.delivery.lookups.unresolved");
		double unresolvedBefore = unresolved.count();
		Instant killed = Instant.now();
		cluster.kill(MASTER);
		persisted(toBob, alice, List.of(alice, bob), 2, "during 2", "during 3", "during 4", "during 5");
		persisted(toCarol, alice, List.of(alice, carol), 2, "during 2", "during 3", "during 4", "during 5");
		List<Arrival> toBobDuring = arrivals.await(bob, 4, RECOVERY);
		List<Arrival> toCarolDuring = arrivals.await(carol, 4, RECOVERY);
		String replicaRole = cluster.role(REPLICA);
		long deliveredAfter = Duration.between(killed, Instant.now()).toMillis();

		assertThat(seqs(toCarolDuring)).as("every message to the user on a live master, in order")
			.containsExactly(2L, 3L, 4L, 5L);
		assertThat(toCarolDuring).as("through the gateway's own channel").noneMatch(Arrival::toEveryGateway);
		assertThat(seqs(toBobDuring)).as("every message to the user on the dead master, in order")
			.containsExactly(2L, 3L, 4L, 5L);
		assertThat(toBobDuring).as("to every gateway: their sessions could not be looked up")
			.allMatch(Arrival::toEveryGateway);
		assertThat(unresolved.count()).as("counted").isGreaterThan(unresolvedBefore);
		assertThat(replicaRole)
			.as("all delivered while the dead master's slots had no master (%d ms after the kill)", deliveredAfter)
			.isEqualTo("slave");
		logger.info("Redis Cluster master killed under deliveries; the last reached the gateway {} ms after",
				deliveredAfter);

		cluster.awaitMaster(REPLICA, Duration.ofSeconds(30));
		long seq = 6;
		long deadline = System.nanoTime() + RECOVERY.toNanos();
		List<Arrival> after = List.of();
		while (after.isEmpty() || after.get(0).toEveryGateway()) {
			assertThat(System.nanoTime()).as("bob's sessions looked up again within %s of the failover", RECOVERY)
				.isLessThan(deadline);
			persisted(toBob, alice, List.of(alice, bob), seq, "after " + seq);
			after = arrivals.await(bob, 1, RECOVERY);
			assertThat(seqs(after)).containsExactly(seq);
			seq++;
		}
		logger.info("Deliveries to bob went through the lookup again {} ms after the kill",
				Duration.between(killed, Instant.now()).toMillis());
	}

	private static List<Long> seqs(List<Arrival> arrivals) {
		return arrivals.stream().map(Arrival::seq).toList();
	}

	/** A message delivery that reached the gateway for a user. */
	private record Arrival(String user, long seq, boolean toEveryGateway) {
	}

	/**
	 * What reaches the gateway, by user, in arrival order (each seq once: a retried batch
	 * whose publish had gone through may repeat one, and clients drop a seq they have).
	 */
	private final class Arrivals {

		private final BlockingQueue<GatewaySubscriptions.Received> received;

		private final List<Arrival> unread = new ArrayList<>();

		private final Set<String> seen = new HashSet<>();

		Arrivals(BlockingQueue<GatewaySubscriptions.Received> received) {
			this.received = received;
		}

		/** The next {@code count} arrivals for {@code user} within {@code timeout}. */
		List<Arrival> await(String user, int count, Duration timeout) throws InterruptedException {
			long deadline = System.nanoTime() + timeout.toNanos();
			while (ofUser(user).size() < count && System.nanoTime() < deadline) {
				GatewaySubscriptions.Received publish = this.received.poll(200, TimeUnit.MILLISECONDS);
				if (publish == null) {
					continue;
				}
				GatewayDelivery decoded = NotificationRedisClusterFailoverIntegrationTests.this.codec
					.decodeDelivery(publish.message());
				List<GatewayDelivery> deliveries = (decoded instanceof GatewayDelivery.Batch batch) ? batch.deliveries()
						: List.of(decoded);
				for (GatewayDelivery delivery : deliveries) {
					if (delivery instanceof GatewayDelivery.MessageDelivery message) {
						for (String to : message.users()) {
							if (this.seen.add(to + "@" + message.message().seq())) {
								this.unread.add(new Arrival(to, message.message().seq(), publish.toEveryGateway()));
							}
						}
					}
				}
			}
			List<Arrival> taken = ofUser(user).stream().limit(count).toList();
			this.unread.removeAll(taken);
			return taken;
		}

		private List<Arrival> ofUser(String user) {
			return this.unread.stream().filter((arrival) -> arrival.user().equals(user)).toList();
		}

	}

}
