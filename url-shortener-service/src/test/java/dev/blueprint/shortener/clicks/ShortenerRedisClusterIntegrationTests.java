package dev.blueprint.shortener.clicks;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraClickStore.DailyClicks;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import dev.blueprint.testsupport.TestRedisCluster;
import dev.blueprint.testsupport.TestTokens;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * url-shortener on a real three-master Redis Cluster, production's shape
 * (k8s/components/production): the redirect cache's scripts (a link's value and its load
 * lease share a slot), its invalidation on delete, the click buffer's shards and their
 * rollup to Cassandra. Until 2026-12-07 the shortener had never run on a cluster.
 * <p>
 * The cluster lives until this JVM exits (its shutdown hook stops it); the context is
 * closed after the class, before that.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ShortenerRedisClusterIntegrationTests extends ShortenerIntegrationTest {

	private static final TestRedisCluster cluster = TestRedisCluster.start(18150);

	@Autowired
	RedisConnectionFactory connections;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	CircuitBreakerRegistry breakers;

	@Autowired
	RedisClickBuffer buffer;

	@Autowired
	ClickCounter counter;

	@Autowired
	CassandraClickStore store;

	@DynamicPropertySource
	static void redisCluster(DynamicPropertyRegistry registry) {
		cluster.addTo(registry);
	}

	@Test
	void linksOnEveryMasterRedirectFromTheCacheAndADeletedOneStops() throws Exception {
		assertThat(((LettuceConnectionFactory) this.connections).getClusterConfiguration()).isNotNull();
		List<String> codes = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			codes.add(create("https://example.com/cluster/" + i, "Authorization", TestTokens.bearer("dora")));
		}
		// a link's keys are hash-tagged with its code: its slot
		Set<Integer> masters = codes.stream().map(cluster::masterOf).collect(Collectors.toSet());
		assertThat(masters).containsExactlyInAnyOrder(0, 1, 2);
		for (int round = 0; round < 2; round++) {
			for (int i = 0; i < codes.size(); i++) {
				HttpResponse<String> redirect = get("/" + codes.get(i));
				assertThat(redirect.statusCode()).isEqualTo(302);
				assertThat(redirect.headers().firstValue("Location")).hasValue("https://example.com/cluster/" + i);
			}
		}
		// the write-back script ran on each link's node; no Redis call failed (the cache
		// falls back to Cassandra on failures, which would pass the redirects above)
		assertThat(codes)
			.allSatisfy((code) -> assertThat(this.redis.hasKey("shortener:{" + code + "}:link")).as(code).isTrue());
		assertThat(this.breakers.circuitBreaker("redis").getMetrics().getNumberOfFailedCalls()).isZero();
		String deleted = codes.get(0);
		assertThat(delete("/api/v1/urls/" + deleted, "Authorization", TestTokens.bearer("dora")).statusCode())
			.isEqualTo(204);
		assertThat(get("/" + deleted).statusCode()).isEqualTo(404);
		assertThat(this.breakers.circuitBreaker("redis").getMetrics().getNumberOfFailedCalls()).isZero();
	}

	@Test
	void clicksWaitInTheClustersShardsAndReachCassandraOnceAtTheRollup() throws Exception {
		List<String> codes = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			codes.add(create("https://example.com/clicks/" + i));
		}
		for (String code : codes) {
			for (int click = 0; click < 3; click++) {
				assertThat(get("/" + code).statusCode()).isEqualTo(302);
			}
		}
		this.counter.flush();
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(codes).allSatisfy((code) -> assertThat(
					this.buffer.waiting(code, today()).values().stream().mapToLong(Long::longValue).sum())
				.isEqualTo(3)));
		this.buffer.releaseRollupLock();
		this.buffer.rollUp();
		assertThat(codes).allSatisfy((code) -> {
			assertThat(this.buffer.waiting(code, today())).isEmpty();
			assertThat(this.store.read(code).stream().mapToLong(DailyClicks::clicks).sum()).isEqualTo(3);
		});
	}

	private static LocalDate today() {
		return LocalDate.now(ZoneOffset.UTC);
	}

}
