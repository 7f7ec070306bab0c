package dev.blueprint.ratelimit;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.ratelimit.check.ApiClient;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestRedisCluster;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis Cluster master that holds a subject's counters dies (SIGKILL) under
 * rate-limiter-service, on a real cluster of three masters with a replica each: while its
 * slots have no master the rule decides by its failure policy (the default,
 * {@code local}: {@code "degraded": true}), never a 500; once the replica has taken over,
 * decisions come from the cluster again, with the counts the master had (replicated
 * before it died). The limiter's own Lettuce client runs with production's cluster client
 * settings (it reads {@code spring.data.redis.lettuce.cluster.refresh.*} too).
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@RealInfrastructure
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.config.import=classpath:rules/test-rules.yaml" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class RateLimiterRedisClusterFailoverIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(RateLimiterRedisClusterFailoverIntegrationTests.class);

	private static final TestRedisCluster cluster = TestRedisCluster.startWithReplicas(18190);

	/**
	 * How long decisions may take to come from the cluster again: the failover (3 s node
	 * timeout), the client's view refreshed (at once on a reconnect that fails, else
	 * within its 30 s period), the breaker's trial calls; slack for a loaded build
	 * machine.
	 */
	private static final Duration RECOVERY = Duration.ofSeconds(60);

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
		TestRedisCluster.addProductionClientSettingsTo(registry);
	}

	@Test
	void aMasterThatDiesIsReplacedAndDecisionsGoOnWithTheCountsItHeld() throws Exception {
		ApiClient api = new ApiClient(this.port);
		String subject = "failover-" + UUID.randomUUID();
		while (cluster.masterOf(RateLimitKeys.bucket("tight", subject)) != 0) {
			subject = "failover-" + UUID.randomUUID();
		}
		// "tight": 3 an hour; two used
		for (int used = 0; used < 2; used++) {
			HttpResponse<String> check = api.check("tight", subject);
			assertThat(check.statusCode()).as(check.body()).isEqualTo(200);
			assertThat(JsonPath.<Integer>read(check.body(), "$.remaining")).isEqualTo(2 - used);
		}
		cluster.awaitReplicated(0, Duration.ofSeconds(10));
		assertThat(cluster.role(0)).as("not failed over before the kill").isEqualTo("master");

		Instant killed = Instant.now();
		cluster.kill(0);
		Map<Integer, Integer> meanwhile = new LinkedHashMap<>();
		long deadline = System.nanoTime() + RECOVERY.toNanos();
		Instant firstDecided = null;
		int inARow = 0;
		// Another subject on the same slots each time: the local fallback's own count is
		// not what this test is about. Three decisions from the cluster in a row: the
		// breaker lets three trial calls through half-open, deciding the rest locally,
		// and closes after them.
		while (inARow < 3 && System.nanoTime() < deadline) {
			HttpResponse<String> probe = api.check("tight", sameSlotsAs(subject));
			meanwhile.merge(probe.statusCode(), 1, Integer::sum);
			assertThat(probe.statusCode()).as(probe.body()).isIn(200, 429);
			if (probe.statusCode() == 200 && !JsonPath.<Boolean>read(probe.body(), "$.degraded")) {
				firstDecided = (firstDecided != null) ? firstDecided : Instant.now();
				inARow++;
			}
			else {
				inARow = 0;
				Thread.sleep(200);
			}
		}
		assertThat(inARow)
			.as("decisions from the cluster within " + RECOVERY + " (answers meanwhile: " + meanwhile + ")")
			.isEqualTo(3);
		logger.info(
				"Redis Cluster master killed; decisions came from the cluster again {} ms after, three in a row "
						+ "{} ms after (answers meanwhile by status: {})",
				Duration.between(killed, firstDecided).toMillis(), Duration.between(killed, Instant.now()).toMillis(),
				meanwhile);

		// The subject's two checks survived on the replica: one left, then none.
		HttpResponse<String> third = api.check("tight", subject);
		assertThat(third.statusCode()).as(third.body()).isEqualTo(200);
		assertThat(JsonPath.<Boolean>read(third.body(), "$.degraded")).isFalse();
		assertThat(JsonPath.<Integer>read(third.body(), "$.remaining")).isZero();
		assertThat(api.check("tight", subject).statusCode()).as("3 an hour").isEqualTo(429);
	}

	/** A new subject whose counters live on the same master as {@code subject}'s. */
	private static String sameSlotsAs(String subject) {
		int master = cluster.masterOf(RateLimitKeys.bucket("tight", subject));
		String probe = "probe-" + UUID.randomUUID();
		while (cluster.masterOf(RateLimitKeys.bucket("tight", probe)) != master) {
			probe = "probe-" + UUID.randomUUID();
		}
		return probe;
	}

}
