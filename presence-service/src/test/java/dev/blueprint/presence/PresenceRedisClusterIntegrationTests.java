package dev.blueprint.presence;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.Status;
import dev.blueprint.presence.support.PresenceIntegrationTest;
import dev.blueprint.presence.tracking.PresenceTracker;
import dev.blueprint.testsupport.TestRedisCluster;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * presence-service on a real three-master Redis Cluster, production's shape
 * (k8s/components/production), with {@code spring.data.redis.cluster.nodes} as production
 * sets it: its Lua scripts, its pipelines across nodes, its sweep over the one due set,
 * pub/sub of the changes and the embedded rate limiter. Until 2026-12-07 nothing here had
 * run on a cluster.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PresenceRedisClusterIntegrationTests extends PresenceIntegrationTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final TestRedisCluster cluster = TestRedisCluster.start(18120);

	@Autowired
	private PresenceTracker tracker;

	@Autowired
	private RedisConnectionFactory connections;

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
	}

	@Test
	void itRunsOnTheCluster() {
		assertThat(((LettuceConnectionFactory) this.connections).getClusterConfiguration()).isNotNull();
	}

	@Test
	void usersOnEveryMasterComeOnlineAndOfflineAndAreReadInOneBatch() throws Exception {
		List<Session> sessions = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			sessions.add(new Session(unique("u" + i), "gw-a", "phone"));
		}
		List<String> users = sessions.stream().map(Session::userId).toList();
		Set<Integer> masters = users.stream()
			// each user's keys are hash-tagged with the user id ({user}): its slot
			.map(cluster::masterOf)
			.collect(Collectors.toSet());
		assertThat(masters).as("the users' keys are on every master").containsExactlyInAnyOrder(0, 1, 2);

		try (AutoCloseable connected = heartbeat(sessions.toArray(Session[]::new))) {
			assertThat(awaitOnline(users, WAIT.multipliedBy(2))).containsExactlyInAnyOrderElementsOf(users);
			Map<String, Presence> read = this.tracker.presenceOf(users);
			assertThat(read).hasSize(60);
			assertThat(read.values()).allSatisfy((presence) -> assertThat(presence.status()).isEqualTo(Status.ONLINE));
		}
		gateway().remove(sessions);
		String last = users.get(users.size() - 1);
		assertThat(expectChangeTo(last, "offline")).isTrue();
		assertThat(this.tracker.presenceOf(users).values())
			.allSatisfy((presence) -> assertThat(presence.status()).isEqualTo(Status.OFFLINE));
	}

	@Test
	void aContactReadsAChosenPresenceAndUpdatesAreRateLimited() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		conversations.conversation(alice, bob);
		Session laptop = new Session(alice, "gw-a", "laptop");
		try (AutoCloseable connected = heartbeat(laptop)) {
			assertThat(expectChange(alice, WAIT).status()).isEqualTo("online");
			HttpResponse<String> away = request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}");
			assertThat(away.statusCode()).as(away.body()).isEqualTo(200);
			assertThat(expectChange(alice, WAIT).status()).isEqualTo("away");
			HttpResponse<String> seen = request(bob, "GET", "/api/v1/presence/" + alice, null);
			assertThat(seen.statusCode()).as(seen.body()).isEqualTo(200);
			assertThat((String) JsonPath.read(seen.body(), "$.status")).isEqualTo("away");

			// PRESENCE_UPDATE_BURST=3 (the base class): the rate limiter's script runs on
			// the cluster too; failing open there, every update would pass
			request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"online\"}");
			request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}");
			HttpResponse<String> limited = request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"online\"}");
			assertThat(limited.statusCode()).as(limited.body()).isEqualTo(429);
			assertThat(limited.headers().firstValue("Retry-After")).isPresent();
		}
		gateway().remove(laptop);
	}

	/** Waits for a change of {@code user} to {@code status}, skipping others. */
	private boolean expectChangeTo(String user, String status) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.multipliedBy(2).toNanos();
		while (System.nanoTime() < deadline) {
			var change = nextChange(user, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
			if (change != null && change.status().equals(status)) {
				return true;
			}
		}
		return false;
	}

}
