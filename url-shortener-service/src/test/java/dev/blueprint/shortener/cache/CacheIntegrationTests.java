package dev.blueprint.shortener.cache;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.blueprint.shortener.links.Link;
import dev.blueprint.shortener.links.RedirectTarget;
import dev.blueprint.shortener.storage.CassandraLinkStore;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CacheIntegrationTests extends ShortenerIntegrationTest {

	@Autowired
	RedisLinkCache cache;

	@Autowired
	LinkResolver resolver;

	@Autowired
	CassandraLinkStore links;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	@RepeatedTest(5)
	void fiftyConcurrentMissesOnOneCodeReadCassandraOnce() throws Exception {
		String code = create("https://example.com/hot");
		this.redis.delete(RedisLinkCache.linkKey(code));
		AtomicInteger reads = new AtomicInteger();
		Function<String, Optional<RedirectTarget>> countingStore = (c) -> {
			reads.incrementAndGet();
			return this.links.find(c).map(Link::target);
		};
		ExecutorService pool = Executors.newFixedThreadPool(50);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Optional<RedirectTarget>>> results = new ArrayList<>();
			for (int i = 0; i < 50; i++) {
				results.add(pool.submit(() -> {
					start.await();
					return this.cache.get(code, countingStore);
				}));
			}
			start.countDown();
			for (Future<Optional<RedirectTarget>> result : results) {
				assertThat(result.get()).map(RedirectTarget::url).hasValue("https://example.com/hot");
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(reads).hasValue(1);
		assertThat(this.redis.opsForValue().get(RedisLinkCache.linkKey(code))).endsWith("|https://example.com/hot");
	}

	@Test
	void unknownCodesAreCachedNegativelyForAShortTime() {
		String code = unique("unknown");
		AtomicInteger reads = new AtomicInteger();
		Function<String, Optional<RedirectTarget>> countingStore = (c) -> {
			reads.incrementAndGet();
			return this.links.find(c).map(Link::target);
		};
		assertThat(this.cache.get(code, countingStore)).isEmpty();
		assertThat(this.cache.get(code, countingStore)).isEmpty();

		assertThat(reads).hasValue(1);
		assertThat(this.redis.opsForValue().get(RedisLinkCache.linkKey(code))).isEqualTo("-");
		assertThat(this.redis.getExpire(RedisLinkCache.linkKey(code))).isBetween(1L, 30L);
	}

	@Test
	void valueReadBeforeAnInvalidationIsNeverWrittenBack() throws Exception {
		String code = create("https://example.com/deleted-while-loading");
		this.redis.delete(RedisLinkCache.linkKey(code));
		Function<String, Optional<RedirectTarget>> racingStore = (c) -> {
			Optional<RedirectTarget> old = this.links.find(c).map(Link::target);
			// a delete on another instance lands while this loader holds the old row
			this.cache.invalidate(c);
			return old;
		};

		assertThat(this.cache.get(code, racingStore)).isPresent();
		assertThat(this.redis.opsForValue().get(RedisLinkCache.linkKey(code))).isNull();
	}

	@Test
	void createReplacesANegativeEntry() throws Exception {
		String alias = unique("later");
		assertThat(get("/" + alias).statusCode()).isEqualTo(404);
		assertThat(this.redis.opsForValue().get(RedisLinkCache.linkKey(alias))).isEqualTo("-");

		postJson("{\"url\":\"https://example.com/now\",\"alias\":\"" + alias + "\"}");

		assertThat(get("/" + alias).statusCode()).isEqualTo(302);
	}

	@Test
	void invalidationFromAnotherInstanceReachesTheNearCache() throws Exception {
		String code = create("https://example.com/v1");
		String key = RedisLinkCache.linkKey(code);
		// another instance changes Redis: without a message this instance still serves
		// its
		// near-cached value (bounded by the near-cache TTL). Retried because the create's
		// own
		// invalidation message may still arrive and empty the near cache in between.
		await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
			this.redis.opsForValue().set(key, "302|-|https://example.com/v1");
			assertThat(this.resolver.resolve(code)).map(RedirectTarget::url).hasValue("https://example.com/v1");
			this.redis.opsForValue().set(key, "302|-|https://example.com/v2");
			assertThat(this.resolver.resolve(code)).map(RedirectTarget::url).hasValue("https://example.com/v1");
		});

		this.redis.convertAndSend(RedisLinkCache.INVALIDATION_CHANNEL, code);

		await().atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(this.resolver.resolve(code)).map(RedirectTarget::url)
				.hasValue("https://example.com/v2"));
	}

	/**
	 * A value this version cannot decode (another version's format during a rolling
	 * deploy, a key written by hand) is a miss: the redirect reads Cassandra and the
	 * value is replaced. It was a 500 on every redirect of the code until its TTL ended.
	 */
	@Test
	void aCachedValueThatDoesNotDecodeIsAMissAndRedirects() throws Exception {
		String code = create("https://example.com/after-a-format-change");
		this.resolver.evictLocally(code);
		this.redis.opsForValue().set(RedisLinkCache.linkKey(code), "garbage", Duration.ofMinutes(10));
		double malformed = this.meters.counter("blueprint.shortener.cache.malformed").count();

		HttpResponse<String> redirect = get("/" + code);

		assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);
		assertThat(redirect.headers().firstValue("Location")).hasValue("https://example.com/after-a-format-change");
		assertThat(this.redis.opsForValue().get(RedisLinkCache.linkKey(code)))
			.isEqualTo("302|-|https://example.com/after-a-format-change");
		assertThat(this.meters.counter("blueprint.shortener.cache.malformed").count()).isEqualTo(malformed + 1);
	}

	@Test
	void warmRedirectsDoNotReadCassandra() throws Exception {
		String code = create("https://example.com/warm");
		assertThat(get("/" + code).statusCode()).isEqualTo(302);
		double reads = this.meters.counter("blueprint.shortener.store.reads").count();

		for (int i = 0; i < 100; i++) {
			assertThat(get("/" + code).statusCode()).isEqualTo(302);
		}

		assertThat(this.meters.counter("blueprint.shortener.store.reads").count()).isEqualTo(reads);
	}

}
