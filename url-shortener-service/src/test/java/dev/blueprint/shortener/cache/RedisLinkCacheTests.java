package dev.blueprint.shortener.cache;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.links.RedirectTarget;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ValueOperations;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

/**
 * What the cache does with a Redis value it cannot decode, on a Redis that answers as
 * told. {@code CacheIntegrationTests.aCachedValueThatDoesNotDecodeIsAMissAndRedirects}
 * does the same through a redirect on the real Redis.
 */
class RedisLinkCacheTests {

	private static final String CODE = "abc1234";

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@Test
	@SuppressWarnings("unchecked")
	void aValueThatDoesNotDecodeIsDeletedAndTheCodeLoadedAsOnAMiss() {
		StringRedisTemplate redis = mock(StringRedisTemplate.class);
		ValueOperations<String, String> values = mock(ValueOperations.class);
		given(redis.opsForValue()).willReturn(values);
		given(values.get(RedisLinkCache.linkKey(CODE))).willReturn("garbage", (String) null);
		given(values.setIfAbsent(eq(RedisLinkCache.leaseKey(CODE)), anyString(), anyLong(), eq(TimeUnit.MILLISECONDS)))
			.willReturn(true);
		given(redis.execute(any(RedisScript.class), anyList(), any(Object[].class))).willReturn(1L);
		RedisLinkCache cache = new RedisLinkCache(redis, defaults(), CircuitBreaker.ofDefaults("redis"), this.meters);
		RedirectTarget stored = new RedirectTarget("https://example.com/", 302, null);
		AtomicInteger loads = new AtomicInteger();

		Optional<RedirectTarget> target = cache.get(CODE, (code) -> {
			loads.incrementAndGet();
			return Optional.of(stored);
		});

		assertThat(target).hasValue(stored);
		assertThat(loads).hasValue(1);
		// deleted only while it still holds that value, then written back by the loader
		verify(redis).execute(any(RedisScript.class), eq(List.of(RedisLinkCache.linkKey(CODE))), eq("garbage"));
		verify(redis).execute(any(RedisScript.class),
				eq(List.of(RedisLinkCache.linkKey(CODE), RedisLinkCache.leaseKey(CODE))), anyString(),
				eq("302|-|https://example.com/"), eq("600000"));
		assertThat(this.meters.get("blueprint.shortener.cache.malformed").counter().count()).isEqualTo(1);
		assertThat(this.meters.get("blueprint.shortener.cache.lookups").tag("result", "miss").counter().count())
			.isEqualTo(1);
	}

	private static ShortenerProperties.Cache defaults() {
		return new ShortenerProperties.Cache(Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(2),
				Duration.ofMillis(500), Duration.ofMillis(10), 1000, Duration.ofSeconds(5), Duration.ofMinutes(10),
				Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3));
	}

}
