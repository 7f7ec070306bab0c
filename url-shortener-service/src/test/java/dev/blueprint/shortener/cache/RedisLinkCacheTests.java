package dev.blueprint.shortener.cache;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.links.RedirectTarget;
import dev.blueprint.testsupport.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ValueOperations;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyCollection;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

/**
 * What the cache does with a Redis value it cannot decode, and with invalidations while
 * Redis is unavailable, on a Redis that answers as told.
 * {@code CacheIntegrationTests.aCachedValueThatDoesNotDecodeIsAMissAndRedirects} does the
 * first through a redirect on the real Redis.
 */
class RedisLinkCacheTests {

	private static final String CODE = "abc1234";

	private static final RedirectTarget TARGET = new RedirectTarget("https://example.com/", 302, null);

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final StringRedisTemplate redis = mock(StringRedisTemplate.class);

	private final CircuitBreaker breaker = CircuitBreaker.ofDefaults("redis");

	private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T12:00:00Z"));

	@Test
	@SuppressWarnings("unchecked")
	void aValueThatDoesNotDecodeIsDeletedAndTheCodeLoadedAsOnAMiss() {
		ValueOperations<String, String> values = mock(ValueOperations.class);
		given(this.redis.opsForValue()).willReturn(values);
		given(values.get(RedisLinkCache.linkKey(CODE))).willReturn("garbage", (String) null);
		given(values.setIfAbsent(eq(RedisLinkCache.leaseKey(CODE)), anyString(), anyLong(), eq(TimeUnit.MILLISECONDS)))
			.willReturn(true);
		given(this.redis.execute(any(RedisScript.class), anyList(), any(Object[].class))).willReturn(1L);
		RedisLinkCache cache = new RedisLinkCache(this.redis, defaults(100_000), CircuitBreaker.ofDefaults("redis"),
				Clock.systemUTC(), this.meters);
		RedirectTarget stored = new RedirectTarget("https://example.com/", 302, null);
		AtomicInteger loads = new AtomicInteger();

		Optional<RedirectTarget> target = cache.get(CODE, (code) -> {
			loads.incrementAndGet();
			return Optional.of(stored);
		});

		assertThat(target).hasValue(stored);
		assertThat(loads).hasValue(1);
		// deleted only while it still holds that value, then written back by the loader
		verify(this.redis).execute(any(RedisScript.class), eq(List.of(RedisLinkCache.linkKey(CODE))), eq("garbage"));
		verify(this.redis).execute(any(RedisScript.class),
				eq(List.of(RedisLinkCache.linkKey(CODE), RedisLinkCache.leaseKey(CODE))), anyString(),
				eq("302|-|https://example.com/"), eq("600000"));
		assertThat(this.meters.get("blueprint.shortener.cache.malformed").counter().count()).isEqualTo(1);
		assertThat(this.meters.get("blueprint.shortener.cache.lookups").tag("result", "miss").counter().count())
			.isEqualTo(1);
	}

	@Test
	void aQueuedInvalidationIsDroppedOnceTheStaleEntryItRemovesCanNoLongerBeServed() {
		RedisLinkCache cache = new RedisLinkCache(this.redis, defaults(100_000), this.breaker, this.clock, this.meters);
		this.breaker.transitionToForcedOpenState();

		// a negative entry may survive: lease 2 s + negative TTL 30 s + near-ttl 5 s
		cache.put("created", TARGET);
		// the link may still be cached: lease 2 s + positive TTL 10 min + near-ttl-live
		// 10 min
		assertThat(cache.invalidate("deleted")).isFalse();
		assertThat(cache.pendingInvalidations()).isEqualTo(2);

		retryAt(cache, Duration.ofSeconds(37).minusMillis(1));
		assertThat(cache.pendingInvalidations()).isEqualTo(2);
		retryAt(cache, Duration.ofSeconds(37));
		assertThat(cache.pendingInvalidations()).isEqualTo(1);
		retryAt(cache, Duration.ofMinutes(20).plusSeconds(2).minusMillis(1));
		assertThat(cache.pendingInvalidations()).isEqualTo(1);
		retryAt(cache, Duration.ofMinutes(20).plusSeconds(2));
		assertThat(cache.pendingInvalidations()).isZero();

		assertThat(dropped("expired")).isEqualTo(2);
		assertThat(dropped("overflow")).isZero();
		verifyNoInteractions(this.redis);
	}

	@Test
	void invalidationsBeyondTheQueuesBoundAreDroppedAndCounted() {
		RedisLinkCache cache = new RedisLinkCache(this.redis, defaults(2), this.breaker, this.clock, this.meters);
		this.breaker.transitionToForcedOpenState();

		cache.invalidate("first");
		cache.put("second", TARGET);
		cache.invalidate("third");
		// already queued: its later time replaces the earlier one, nothing dropped
		cache.invalidate("first");

		assertThat(cache.pendingInvalidations()).isEqualTo(2);
		assertThat(dropped("overflow")).isEqualTo(1);
		retryAt(cache, Duration.ofMinutes(20).plusSeconds(2));
		assertThat(dropped("expired")).isEqualTo(2);
	}

	@Test
	void queuedInvalidationsAreRetriedUntilRedisTakesThemAndStopAtTheFirstFailure() {
		RedisLinkCache cache = new RedisLinkCache(this.redis, defaults(100_000), this.breaker, this.clock, this.meters);
		this.breaker.transitionToForcedOpenState();
		cache.invalidate("first");
		cache.put("second", TARGET);
		this.breaker.transitionToClosedState();
		given(this.redis.delete(anyCollection())).willThrow(new RedisConnectionFailureException("down")).willReturn(2L);

		cache.retryPendingInvalidations();

		verify(this.redis, times(1)).delete(anyCollection());
		assertThat(cache.pendingInvalidations()).isEqualTo(2);

		cache.retryPendingInvalidations();

		// the one that failed again, then the other
		verify(this.redis, times(3)).delete(anyCollection());
		for (String code : List.of("first", "second")) {
			verify(this.redis, atLeastOnce())
				.delete(List.of(RedisLinkCache.linkKey(code), RedisLinkCache.leaseKey(code)));
			verify(this.redis).convertAndSend(RedisLinkCache.INVALIDATION_CHANNEL, code);
		}
		assertThat(cache.pendingInvalidations()).isZero();
		assertThat(dropped("expired") + dropped("overflow")).isZero();
	}

	private void retryAt(RedisLinkCache cache, Duration sinceQueued) {
		this.clock.set(Instant.parse("2026-12-07T12:00:00Z").plus(sinceQueued));
		cache.retryPendingInvalidations();
	}

	private double dropped(String reason) {
		return this.meters.get("blueprint.shortener.cache.invalidations.dropped")
			.tag("reason", reason)
			.counter()
			.count();
	}

	private static ShortenerProperties.Cache defaults(int maxPendingInvalidations) {
		return new ShortenerProperties.Cache(Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(2),
				Duration.ofMillis(500), Duration.ofMillis(10), 1000, DataSize.ofMegabytes(64), Duration.ofSeconds(5),
				Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3),
				maxPendingInvalidations);
	}

}
