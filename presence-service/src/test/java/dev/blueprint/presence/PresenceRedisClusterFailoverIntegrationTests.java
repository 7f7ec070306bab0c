package dev.blueprint.presence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import dev.blueprint.presence.core.Status;
import dev.blueprint.presence.support.PresenceIntegrationTest;
import dev.blueprint.presence.tracking.PresenceTracker;
import dev.blueprint.testsupport.TestRedisCluster;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis Cluster master that dies (SIGKILL) under presence-service, on a real cluster of
 * three masters with a replica each, with the cluster client's settings of production
 * (k8s/components/production: the view of the cluster refreshed adaptively and every 30
 * s; production seeds the client with one address, the test with every node's): its
 * replica takes over its slots, and presence goes on for the users on them, those
 * connected before (their leases renewed on the new master) and those who connect after.
 * Until 2026-12-07 no failover had been tried (the build's clusters had no replicas).
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PresenceRedisClusterFailoverIntegrationTests extends PresenceIntegrationTest {

	private static final Logger logger = LoggerFactory.getLogger(PresenceRedisClusterFailoverIntegrationTests.class);

	private static final TestRedisCluster cluster = TestRedisCluster.startWithReplicas(18170);

	/** The master that dies, and its replica. */
	private static final int MASTER = 0;

	private static final int REPLICA = 3;

	/**
	 * How long presence may take to go on after the failover: the clients' view is
	 * refreshed adaptively after reconnects fail (Lettuce: 5 attempts), but an adaptive
	 * refresh runs at most once per 30 s (Lettuce's default), and one made before the
	 * replica took over is followed by the 30 s periodic one. Slack on top for a loaded
	 * build machine.
	 */
	private static final Duration RECOVERY = Duration.ofSeconds(45);

	@Autowired
	private PresenceTracker tracker;

	/**
	 * Production's lease, not the base class's 2 s: a failover takes 5-12 s here, and a
	 * lease shorter than that runs out while the renewals cannot reach the dead master's
	 * slots (then the recovery hold decides, a test of its own).
	 */
	private static final Duration PRODUCTION_LEASE = Duration.ofSeconds(30);

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
		TestRedisCluster.addProductionClientSettingsTo(registry);
		registry.add("presence.session-lease", PRODUCTION_LEASE::toString);
	}

	private SessionRegistry gatewayWithProductionLease() {
		return new SessionRegistry(this.redis, PRODUCTION_LEASE, Clock.systemUTC());
	}

	@Test
	void aMasterThatDiesIsReplacedByItsReplicaAndPresenceGoesOnOnItsSlots() throws Exception {
		String before = userOn(MASTER, "before");
		String after = userOn(MASTER, "after");
		try (AutoCloseable connected = heartbeat(gatewayWithProductionLease(), new Session(before, "gw-a", "phone"))) {
			assertThat(awaitStatus(before, Status.ONLINE, Duration.ofSeconds(10))).isEqualTo(Status.ONLINE);
			Instant onlineSince = this.tracker.presenceOf(List.of(before)).get(before).lastSeen();
			cluster.awaitReplicated(MASTER, Duration.ofSeconds(10));
			assertThat(cluster.role(MASTER)).as("not failed over before the kill").isEqualTo("master");

			Instant killed = Instant.now();
			cluster.kill(MASTER);
			Duration failover = cluster.awaitMaster(REPLICA, Duration.ofSeconds(30));

			Session laptop = new Session(after, "gw-b", "laptop");
			registerWithin(laptop, RECOVERY);
			try (AutoCloseable alsoConnected = heartbeat(gatewayWithProductionLease(), laptop)) {
				assertThat(awaitStatus(after, Status.ONLINE, RECOVERY)).as("a user who connects after the failover")
					.isEqualTo(Status.ONLINE);
				logger.info(
						"Redis Cluster master killed: its replica took over in {} ms; a user on its slots who "
								+ "connected then was online {} ms after the kill",
						failover.toMillis(), Duration.between(killed, Instant.now()).toMillis());
				// online throughout: a flap (offline, then online again at the next
				// renewal) would have moved "online since" to then
				assertThat(this.tracker.presenceOf(List.of(before)).get(before))
					.as("a user connected before, through the failover")
					.satisfies((presence) -> assertThat(presence.status()).isEqualTo(Status.ONLINE))
					.satisfies((presence) -> assertThat(presence.lastSeen()).isEqualTo(onlineSince));
			}
		}
	}

	/** A user id whose keys (hash-tagged by it) live on master {@code index}. */
	private static String userOn(int index, String name) {
		String user = unique(name);
		while (cluster.masterOf(user) != index) {
			user = unique(name);
		}
		return user;
	}

	/**
	 * Registers a session, retrying while the cluster's slots of the user are not served
	 * (the failover, the clients' view not yet refreshed).
	 */
	private void registerWithin(Session session, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			try {
				gatewayWithProductionLease().register(List.of(session));
				return;
			}
			catch (RuntimeException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				Thread.sleep(200);
			}
		}
	}

	/** The user's stored status once it is {@code status} or {@code timeout} passed. */
	private Status awaitStatus(String user, Status status, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		Status current = null;
		while (System.nanoTime() < deadline) {
			try {
				current = this.tracker.presenceOf(List.of(user)).get(user).status();
				if (current == status) {
					return current;
				}
			}
			catch (RuntimeException ex) {
				// the user's slots not served yet
			}
			Thread.sleep(100);
		}
		return current;
	}

}
