package dev.blueprint.shortener.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.links.RedirectTarget;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * The near-cache keeps to both of its bounds: entries ({@code near-size}) and estimated
 * bytes ({@code near-max-bytes}). Bounded by entries alone, 100,000 links of
 * 2,048-character URLs took some 230 MB of heap.
 */
class NearCacheBoundsTests {

	private static final int ENTRIES = 100;

	private static final DataSize BYTES = DataSize.ofKilobytes(64);

	@Test
	void longUrlsAreBoundedByBytes() {
		LinkResolver resolver = resolver((code) -> target(2000, code));
		for (int i = 0; i < 500; i++) {
			assertThat(resolver.resolve("long" + i)).isPresent();
		}
		assertThat(resolver.nearBytes()).isLessThanOrEqualTo(BYTES.toBytes());
		long perEntry = NearCacheWeigher.OVERHEAD + 2000;
		assertThat(resolver.nearEntries()).as("about 64 KiB of 2 KiB entries")
			.isLessThanOrEqualTo(BYTES.toBytes() / perEntry)
			.isGreaterThanOrEqualTo(BYTES.toBytes() / perEntry / 2);
	}

	@Test
	void shortUrlsAreBoundedByEntries() {
		LinkResolver resolver = resolver((code) -> target(40, code));
		for (int i = 0; i < 500; i++) {
			assertThat(resolver.resolve("short" + i)).isPresent();
		}
		assertThat(resolver.nearEntries()).isLessThanOrEqualTo(ENTRIES).isGreaterThanOrEqualTo(ENTRIES / 2);
	}

	@Test
	void unknownCodesAreBoundedToo() {
		LinkResolver resolver = resolver((code) -> Optional.empty());
		for (int i = 0; i < 500; i++) {
			assertThat(resolver.resolve("unknown" + i)).isEmpty();
		}
		assertThat(resolver.nearEntries()).isLessThanOrEqualTo(ENTRIES);
	}

	@Test
	void anEntryWeighsItsCharactersAboveTheOverheadAndNeverLessThanItsShare() {
		NearCacheWeigher weigher = new NearCacheWeigher(1_000_000, 100_000);
		assertThat(weigher.weigh("abc", Optional.empty())).as("above the share of 1,000,000 / 100,000 = 10")
			.isEqualTo(256 + 3);
		NearCacheWeigher share = new NearCacheWeigher(64_000_000, 100_000);
		assertThat(share.weigh("abc", Optional.empty())).isEqualTo(640);
		assertThat(share.weigh("abc", target(1000, "abc"))).isEqualTo(256 + 3 + 1000);
		assertThat(share.weigh("abc", Optional.of(new RedirectTarget("https://例え.jp/" + "a".repeat(986), 302, null))))
			.as("two bytes a character once one is above U+00FF")
			.isEqualTo(256 + 3 + 2 * 1000);
	}

	private static Optional<RedirectTarget> target(int length, String code) {
		String prefix = "https://example.com/" + code + "/";
		return Optional.of(new RedirectTarget(prefix + "a".repeat(length - prefix.length()), 302, null));
	}

	/**
	 * A resolver whose Redis is bypassed (its breaker forced open): misses read the
	 * store.
	 */
	private static LinkResolver resolver(java.util.function.Function<String, Optional<RedirectTarget>> store) {
		ShortenerProperties.Cache properties = new ShortenerProperties.Cache(Duration.ofMinutes(10),
				Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMillis(10), ENTRIES,
				BYTES, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(1),
				Duration.ofSeconds(3), 100_000);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		CircuitBreaker breaker = CircuitBreaker.ofDefaults("redis");
		breaker.transitionToForcedOpenState();
		RedisLinkCache cache = new RedisLinkCache(mock(StringRedisTemplate.class), properties, breaker,
				Clock.systemUTC(), meters);
		return new LinkResolver(properties, cache, store, meters);
	}

}
