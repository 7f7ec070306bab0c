package dev.blueprint.shortener.cache;

import java.util.Optional;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
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
 * The near-cache holds up to {@code nearSize} entries and {@code nearMaxBytes} (an
 * estimate per entry, {@link NearCacheWeigher}). Deletes and updates are pushed to every
 * instance through Redis pub/sub. While this instance proves it hears that channel
 * ({@link InvalidationSubscription}'s heartbeat), a found link is kept up to
 * {@code nearTtlLive} (minutes: the whole hot set stays in memory); otherwise, and for
 * unknown codes, up to {@code nearTtl} (seconds), which bounds staleness while
 * invalidations may be missed. Losing the channel empties the near-cache first, so no
 * entry loaded with the long TTL outlives the proof.
 */
public final class LinkResolver {

	private final Cache<String, Optional<RedirectTarget>> near;

	private final RedisLinkCache redis;

	private final Function<String, Optional<RedirectTarget>> store;

	private final Counter nearHits;

	private final Counter nearMisses;

	private final Counter redisBypassed;

	/**
	 * Whether invalidations are known to arrive (set by the subscription's heartbeat).
	 */
	private volatile boolean channelLive;

	/**
	 * @param properties cache settings
	 * @param redis the shared cache
	 * @param store reads one link from Cassandra
	 * @param meters metrics
	 */
	public LinkResolver(ShortenerProperties.Cache properties, RedisLinkCache redis,
			Function<String, Optional<RedirectTarget>> store, MeterRegistry meters) {
		long ttl = properties.nearTtl().toNanos();
		long liveTtl = properties.nearTtlLive().toNanos();
		this.near = Caffeine.newBuilder()
			.maximumWeight(properties.nearMaxBytes().toBytes())
			.weigher(new NearCacheWeigher(properties.nearMaxBytes().toBytes(), properties.nearSize()))
			.expireAfter(new Expiry<String, Optional<RedirectTarget>>() {

				@Override
				public long expireAfterCreate(String code, Optional<RedirectTarget> target, long now) {
					return (target.isPresent() && LinkResolver.this.channelLive) ? liveTtl : ttl;
				}

				@Override
				public long expireAfterUpdate(String code, Optional<RedirectTarget> target, long now, long current) {
					return expireAfterCreate(code, target, now);
				}

				@Override
				public long expireAfterRead(String code, Optional<RedirectTarget> target, long now, long current) {
					return current;
				}

			})
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

	/**
	 * The invalidation channel is proven live: found links loaded from now on are kept up
	 * to {@code nearTtlLive}.
	 */
	public void channelLive() {
		this.channelLive = true;
	}

	/**
	 * The invalidation channel went silent: invalidations may be missed from now on, so
	 * new entries get {@code nearTtl} and the near-cache is emptied (in that order, so an
	 * entry loaded while the channel was trusted cannot survive).
	 */
	public void channelSilent() {
		this.channelLive = false;
		this.near.invalidateAll();
	}

	/** Whether found links are currently kept up to {@code nearTtlLive}. */
	public boolean isChannelLive() {
		return this.channelLive;
	}

	/** The near-cache's entries, after pending evictions. */
	long nearEntries() {
		this.near.cleanUp();
		return this.near.estimatedSize();
	}

	/**
	 * The near-cache's estimated bytes ({@link NearCacheWeigher}), after pending
	 * evictions.
	 */
	long nearBytes() {
		this.near.cleanUp();
		return this.near.policy().eviction().orElseThrow().weightedSize().orElseThrow();
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
