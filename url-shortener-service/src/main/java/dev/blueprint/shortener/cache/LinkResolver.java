package dev.blueprint.shortener.cache;

import java.util.Optional;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.links.RedirectTarget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * The redirect path's lookup: in-JVM near-cache, then Redis (with leases), then
 * Cassandra. When Redis is unavailable (its circuit breaker open) the near-cache still
 * coalesces concurrent misses per key within this JVM and the rest go to Cassandra.
 * <p>
 * The near-cache holds up to {@code nearSize} entries for at most {@code nearTtl} after
 * they were loaded; deletes are pushed to every instance through Redis pub/sub, and the
 * TTL bounds staleness when a message is lost.
 */
public final class LinkResolver {

	private final Cache<String, Optional<RedirectTarget>> near;

	private final RedisLinkCache redis;

	private final Function<String, Optional<RedirectTarget>> store;

	private final Counter nearHits;

	private final Counter nearMisses;

	private final Counter redisBypassed;

	/**
	 * @param properties cache settings
	 * @param redis the shared cache
	 * @param store reads one link from Cassandra
	 * @param meters metrics
	 */
	public LinkResolver(ShortenerProperties.Cache properties, RedisLinkCache redis,
			Function<String, Optional<RedirectTarget>> store, MeterRegistry meters) {
		this.near = Caffeine.newBuilder()
			.maximumSize(properties.nearSize())
			.expireAfterWrite(properties.nearTtl())
			.recordStats()
			.build();
		this.redis = redis;
		this.store = store;
		this.nearHits = RedisLinkCache.lookups(meters, "near", "hit");
		this.nearMisses = RedisLinkCache.lookups(meters, "near", "miss");
		this.redisBypassed = RedisLinkCache.lookups(meters, "redis", "bypassed");
		CaffeineCacheMetrics.monitor(meters, this.near, "shortener-near");
	}

	/**
	 * The target of {@code code}, or empty when no such link exists.
	 * @throws RuntimeException from Cassandra when the value is in no cache and the store
	 * is unavailable
	 */
	public Optional<RedirectTarget> resolve(String code) {
		Optional<RedirectTarget> cached = this.near.getIfPresent(code);
		if (cached != null) {
			this.nearHits.increment();
			return cached;
		}
		this.nearMisses.increment();
		return this.near.get(code, this::resolveRemote);
	}

	/** Drops a code from this instance's near-cache. */
	public void evictLocally(String code) {
		this.near.invalidate(code);
	}

	/**
	 * Empties this instance's near-cache: invalidations may have been missed (the
	 * subscription was down), so nothing in it can be trusted.
	 */
	public void evictAllLocally() {
		this.near.invalidateAll();
	}

	private Optional<RedirectTarget> resolveRemote(String code) {
		try {
			return this.redis.get(code, this.store);
		}
		catch (CacheUnavailableException ex) {
			this.redisBypassed.increment();
			return this.store.apply(code);
		}
	}

}
