package dev.blueprint.shortener.failures;

import java.time.Duration;

import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The near-cache keeps found links long only while this instance proves it hears the
 * invalidation channel: short TTLs here (1 s unproven, 10 min proven, heartbeat 200 ms,
 * silence 2 s, long enough that a stall of the build machine does not break the proof) so
 * each bound shows in seconds. Stops the real Redis and restarts it in {@code finally}:
 * the other test classes share it.
 */
@TestPropertySource(properties = { "shortener.cache.near-ttl=1s", "shortener.cache.near-ttl-live=10m",
		"shortener.cache.invalidation-heartbeat=200ms", "shortener.cache.invalidation-silence=2s" })
class NearCacheLivenessIntegrationTests extends ShortenerIntegrationTest {

	private static final Duration UNPROVEN_TTL = Duration.ofSeconds(1);

	@Autowired
	LinkResolver resolver;

	@Autowired
	MeterRegistry meters;

	@Autowired
	StringRedisTemplate redis;

	@BeforeEach
	void channelLive() {
		// a previous test may have restarted Redis a moment ago
		await().atMost(Duration.ofSeconds(20)).until(this.resolver::isChannelLive);
	}

	@Test
	void aFoundLinkOutlivesTheShortTtlWhileTheChannelIsHeardAnUnknownCodeDoesNot() throws Exception {
		String code = create("https://example.com/kept");
		String unknown = unique("unknown");
		// the create's own invalidation message must not evict what the next GET loads
		Thread.sleep(300);
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		assertThat(get("/" + unknown).statusCode()).isEqualTo(404);
		Thread.sleep(UNPROVEN_TTL.plusMillis(500).toMillis());
		assertThat(this.resolver.isChannelLive()).isTrue();

		double hits = nearHits().count();
		double misses = nearMisses().count();
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		assertThat(nearHits().count()).as("near-cache hits").isEqualTo(hits + 1);
		assertThat(get("/" + unknown).statusCode()).isEqualTo(404);
		assertThat(nearMisses().count()).as("near-cache misses").isEqualTo(misses + 1);
	}

	@Test
	void redisGoingAwayEmptiesTheNearCacheWithinTheSilenceAndItsReturnRestoresTheLongTtl() throws Exception {
		String code = create("https://example.com/proven");
		Thread.sleep(300);
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		Counter silences = this.meters.get("blueprint.shortener.cache.invalidation.silences").counter();
		double silencesBefore = silences.count();
		TestInfrastructure.stopServer("redis");
		try {
			// silence 2 s, checked every 200 ms: 2.2 s after the last message, plus
			// slack for a loaded machine
			await().atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> !this.resolver.isChannelLive());
			assertThat(silences.count()).isEqualTo(silencesBefore + 1);
			assertThat(this.meters.get("blueprint.shortener.cache.invalidation.live").gauge().value()).isZero();

			// emptied: the next redirect looks further (Cassandra, Redis being down)
			double misses = nearMisses().count();
			assertThat(get("/" + code).statusCode()).isEqualTo(302);
			assertThat(nearMisses().count()).isEqualTo(misses + 1);
			// and what it loads now is kept only the short TTL
			assertThat(get("/" + code).statusCode()).isEqualTo(302);
			assertThat(nearMisses().count()).isEqualTo(misses + 1);
			Thread.sleep(UNPROVEN_TTL.plusMillis(500).toMillis());
			assertThat(get("/" + code).statusCode()).isEqualTo(302);
			assertThat(nearMisses().count()).isEqualTo(misses + 2);
		}
		finally {
			TestInfrastructure.startServer("redis");
		}
		await().atMost(Duration.ofSeconds(20)).until(this.resolver::isChannelLive);
		assertThat(this.meters.get("blueprint.shortener.cache.invalidation.live").gauge().value()).isOne();
	}

	private Counter nearHits() {
		return this.meters.get("blueprint.shortener.cache.lookups").tags("layer", "near", "result", "hit").counter();
	}

	private Counter nearMisses() {
		return this.meters.get("blueprint.shortener.cache.lookups").tags("layer", "near", "result", "miss").counter();
	}

}
