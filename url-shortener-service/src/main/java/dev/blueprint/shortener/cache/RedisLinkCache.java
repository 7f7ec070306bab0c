package dev.blueprint.shortener.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.links.RedirectTarget;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Redis cache-aside for code → redirect target, with memcache-style leases against the
 * thundering herd.
 * <p>
 * On a miss the first request takes a lease ({@code SET lease token NX PX}) and loads
 * from Cassandra; the others poll for the value for up to {@code leaseWait}. The loader
 * writes its value back only if it still holds its lease (one Lua script), and every
 * invalidation and write-through deletes the lease. So a value read from Cassandra before
 * a delete can never be written back after it.
 * <p>
 * A value that does not decode (another version's format during a rolling deploy) counts
 * as a miss: it is deleted and the code loaded again, rather than failing the redirect
 * for as long as its TTL.
 * <p>
 * Keys are {@code shortener:{code}:link} and {@code shortener:{code}:lease}: the hash tag
 * keeps both in one slot on Redis Cluster. Every Redis call passes the {@code redis}
 * circuit breaker; while it is open calls fail at once with
 * {@link CacheUnavailableException} instead of waiting for a timeout.
 * <p>
 * An invalidation Redis did not take (a create's write-through or a delete, while Redis
 * is unavailable) is queued and retried every {@code invalidationRetry}, for as long as
 * the stale entry it removes can still be served, and no longer: a create's for
 * {@code leaseTtl + negativeTtl + nearTtl} (a negative entry a loader wrote back under a
 * lease taken before the create, then copied into a near-cache), a delete's for
 * {@code leaseTtl + positiveTtl + nearTtlLive} (the same for the found link). At most
 * {@code maxPendingInvalidations} are held; further ones are dropped and counted. Until
 * 2026-12-07 the queue had neither bound, and a long outage ended in one pass sending all
 * of it, each message a thread on every instance.
 */
public final class RedisLinkCache {

	/** Pub/sub channel on which deleted or created codes are announced to near-caches. */
	public static final String INVALIDATION_CHANNEL = "shortener:invalidations";

	/** A message on the invalidation channel that is no code (codes never hold '~'). */
	public static final String HEARTBEAT = "~heartbeat";

	private static final Logger logger = LoggerFactory.getLogger(RedisLinkCache.class);

	private static final RedisScript<Long> WRITE_BACK = RedisScript.of("""
			if redis.call('GET', KEYS[2]) == ARGV[1] then
			  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
			  redis.call('DEL', KEYS[2])
			  return 1
			end
			return 0
			""", Long.class);

	/** Deletes a key only while it holds the given value (a lease's token, a value). */
	private static final RedisScript<Long> DELETE_IF_UNCHANGED = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  return redis.call('DEL', KEYS[1])
			end
			return 0
			""", Long.class);

	private static final RedisScript<Long> PUT = RedisScript.of("""
			redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
			redis.call('DEL', KEYS[2])
			return 1
			""", Long.class);

	private final StringRedisTemplate redis;

	private final ShortenerProperties.Cache properties;

	private final CircuitBreaker breaker;

	/** Codes whose invalidation is to be retried, each with when it stops mattering. */
	private final Map<String, Long> pendingInvalidations = new ConcurrentHashMap<>();

	private final Clock clock;

	private final long createdMatters;

	private final long deletedMatters;

	private final Counter invalidationsExpired;

	private final Counter invalidationsOverflowed;

	private final AtomicBoolean overflowLogged = new AtomicBoolean();

	private final Counter hits;

	private final Counter misses;

	private final Counter leaseWon;

	private final Counter leaseWaited;

	private final Counter leaseTimedOut;

	private final Counter staleWriteBacksRefused;

	private final Counter malformed;

	private final AtomicBoolean malformedLogged = new AtomicBoolean();

	/**
	 * @param redis the shared Redis
	 * @param properties cache settings
	 * @param breaker the {@code redis} circuit breaker
	 * @param clock the time, for how long a queued invalidation still matters
	 * @param meters metrics
	 */
	public RedisLinkCache(StringRedisTemplate redis, ShortenerProperties.Cache properties, CircuitBreaker breaker,
			Clock clock, MeterRegistry meters) {
		this.redis = redis;
		this.properties = properties;
		this.breaker = breaker;
		this.clock = clock;
		this.createdMatters = properties.leaseTtl()
			.plus(properties.negativeTtl())
			.plus(properties.nearTtl())
			.toMillis();
		this.deletedMatters = properties.leaseTtl()
			.plus(properties.positiveTtl())
			.plus(properties.nearTtlLive())
			.toMillis();
		this.hits = lookups(meters, "redis", "hit");
		this.misses = lookups(meters, "redis", "miss");
		this.leaseWon = leases(meters, "loaded");
		this.leaseWaited = leases(meters, "waited");
		this.leaseTimedOut = leases(meters, "timed_out");
		this.staleWriteBacksRefused = leases(meters, "write_back_refused");
		this.malformed = Counter.builder("blueprint.shortener.cache.malformed")
			.description("Cached values that did not decode (another version's format): deleted, and the code "
					+ "loaded as on a miss")
			.register(meters);
		meters.gauge("blueprint.shortener.cache.invalidations.pending", this.pendingInvalidations, Map::size);
		this.invalidationsExpired = invalidationsDropped(meters, "expired");
		this.invalidationsOverflowed = invalidationsDropped(meters, "overflow");
	}

	private static Counter invalidationsDropped(MeterRegistry meters, String reason) {
		return Counter.builder("blueprint.shortener.cache.invalidations.dropped")
			.description("Queued invalidations given up: expired (Redis was unavailable for as long as the stale "
					+ "entry could be served; harmless), overflow (max-pending-invalidations were queued; that "
					+ "code's stale entry may be served until its TTLs end)")
			.tag("reason", reason)
			.register(meters);
	}

	static Counter lookups(MeterRegistry meters, String layer, String result) {
		return Counter.builder("blueprint.shortener.cache.lookups")
			.description("Cache lookups of the redirect path")
			.tag("layer", layer)
			.tag("result", result)
			.register(meters);
	}

	private static Counter leases(MeterRegistry meters, String outcome) {
		return Counter.builder("blueprint.shortener.cache.leases")
			.description("What requests that missed Redis did: loaded under a lease, got the loader's value, "
					+ "gave up waiting, or had a stale write-back refused")
			.tag("outcome", outcome)
			.register(meters);
	}

	/**
	 * The target of {@code code}: from Redis, else loaded by {@code loader} under a
	 * lease.
	 * @throws CacheUnavailableException when Redis fails before a value is known
	 */
	public Optional<RedirectTarget> get(String code, Function<String, Optional<RedirectTarget>> loader) {
		Optional<RedirectTarget> cached = read(code);
		if (cached != null) {
			this.hits.increment();
			return cached;
		}
		this.misses.increment();
		String token = UUID.randomUUID().toString();
		Boolean acquired = call(() -> this.redis.opsForValue()
			.setIfAbsent(leaseKey(code), token, this.properties.leaseTtl().toMillis(), TimeUnit.MILLISECONDS));
		if (Boolean.TRUE.equals(acquired)) {
			// the previous holder may have written the value back (and dropped its
			// lease) between our miss and our lease
			Optional<RedirectTarget> written = read(code);
			if (written != null) {
				releaseQuietly(code, token);
				this.leaseWaited.increment();
				return written;
			}
			return loadUnderLease(code, token, loader);
		}
		long deadline = System.nanoTime() + this.properties.leaseWait().toNanos();
		while (System.nanoTime() < deadline) {
			sleep(this.properties.leasePoll());
			Optional<RedirectTarget> value = read(code);
			if (value != null) {
				this.leaseWaited.increment();
				return value;
			}
		}
		// the loader is slow or died: read ourselves, but leave the write-back to a lease
		// holder
		this.leaseTimedOut.increment();
		return loader.apply(code);
	}

	/**
	 * The target Redis holds for {@code code} (empty: a negative entry), or {@code null}
	 * when it holds none or a value that does not decode. Such a value is deleted, unless
	 * it changed meanwhile, so that the code is loaded and written back as on a miss.
	 */
	private Optional<RedirectTarget> read(String code) {
		String value = call(() -> this.redis.opsForValue().get(linkKey(code)));
		if (value == null) {
			return null;
		}
		try {
			return TargetCodec.decode(value);
		}
		catch (IllegalArgumentException ex) {
			this.malformed.increment();
			if (this.malformedLogged.compareAndSet(false, true)) {
				logger.warn(
						"Cached value of {} does not decode; deleted and loaded again as a miss ({}). Further "
								+ "ones are logged at debug and counted in blueprint.shortener.cache.malformed",
						code, ex.getMessage());
			}
			else {
				logger.debug("Cached value of {} does not decode; deleted: {}", code, ex.getMessage());
			}
			try {
				call(() -> this.redis.execute(DELETE_IF_UNCHANGED, List.of(linkKey(code)), value));
			}
			catch (CacheUnavailableException deleteFailed) {
				// a loader's write-back replaces it
			}
			return null;
		}
	}

	private Optional<RedirectTarget> loadUnderLease(String code, String token,
			Function<String, Optional<RedirectTarget>> loader) {
		this.leaseWon.increment();
		Optional<RedirectTarget> loaded;
		try {
			loaded = loader.apply(code);
		}
		catch (RuntimeException ex) {
			releaseQuietly(code, token);
			throw ex;
		}
		Duration ttl = loaded.isPresent() ? this.properties.positiveTtl() : this.properties.negativeTtl();
		try {
			Long written = call(() -> this.redis.execute(WRITE_BACK, List.of(linkKey(code), leaseKey(code)), token,
					TargetCodec.encode(loaded), Long.toString(ttl.toMillis())));
			if (written == null || written == 0) {
				this.staleWriteBacksRefused.increment();
			}
		}
		catch (CacheUnavailableException ex) {
			// the value is still good for this request
			logger.debug("Could not write {} back to Redis", code, ex);
		}
		return loaded;
	}

	/**
	 * Writes a freshly created link through to Redis (replacing a negative entry) and
	 * voids any lease, so an in-flight loader that saw "unknown" cannot write that back.
	 */
	public void put(String code, RedirectTarget target) {
		try {
			call(() -> this.redis.execute(PUT, List.of(linkKey(code), leaseKey(code)),
					TargetCodec.encode(Optional.of(target)), Long.toString(this.properties.positiveTtl().toMillis())));
			publish(code);
		}
		catch (CacheUnavailableException ex) {
			// a negative entry for this code may survive in Redis: remove it once Redis
			// is back
			queue(code, this.createdMatters);
		}
	}

	/**
	 * Removes a code from Redis, voids its lease and tells every instance's near-cache.
	 * When Redis is unavailable the invalidation is queued and retried until it succeeds.
	 * @return whether Redis took the invalidation now
	 */
	public boolean invalidate(String code) {
		if (send(code)) {
			this.pendingInvalidations.remove(code);
			return true;
		}
		if (queue(code, this.deletedMatters)) {
			logger.warn("Redis unavailable; invalidation of {} queued for retry", code);
		}
		return false;
	}

	private boolean send(String code) {
		try {
			call(() -> this.redis.delete(List.of(linkKey(code), leaseKey(code))));
			publish(code);
			return true;
		}
		catch (CacheUnavailableException ex) {
			return false;
		}
	}

	/**
	 * Queues an invalidation for retry until {@code matters} ms from now (a later time of
	 * one already queued stays).
	 * @return whether it was queued; false when the queue is full
	 */
	private boolean queue(String code, long matters) {
		long until = this.clock.millis() + matters;
		if (this.pendingInvalidations.size() >= this.properties.maxPendingInvalidations()
				&& !this.pendingInvalidations.containsKey(code)) {
			this.invalidationsOverflowed.increment();
			if (this.overflowLogged.compareAndSet(false, true)) {
				logger.warn(
						"{} invalidations already queued (max-pending-invalidations); further ones are dropped "
								+ "until the queue empties, counted in blueprint.shortener.cache.invalidations.dropped",
						this.properties.maxPendingInvalidations());
			}
			return false;
		}
		this.pendingInvalidations.merge(code, until, Math::max);
		return true;
	}

	/**
	 * Drops queued invalidations that no longer matter, then retries the others until one
	 * fails; called periodically.
	 */
	public void retryPendingInvalidations() {
		long now = this.clock.millis();
		this.pendingInvalidations.forEach((code, until) -> {
			if (until <= now && this.pendingInvalidations.remove(code, until)) {
				this.invalidationsExpired.increment();
			}
		});
		for (Map.Entry<String, Long> pending : this.pendingInvalidations.entrySet()) {
			if (!send(pending.getKey())) {
				return;
			}
			// unless queued again meanwhile
			this.pendingInvalidations.remove(pending.getKey(), pending.getValue());
		}
		if (this.pendingInvalidations.isEmpty()) {
			this.overflowLogged.set(false);
		}
	}

	int pendingInvalidations() {
		return this.pendingInvalidations.size();
	}

	/**
	 * Publishes {@link #HEARTBEAT} on the invalidation channel, so every instance can
	 * tell it still hears it; a failure (Redis down, breaker open) is for the listeners
	 * to notice by the silence.
	 */
	public void publishHeartbeat() {
		try {
			publish(HEARTBEAT);
		}
		catch (CacheUnavailableException ex) {
			logger.debug("Could not publish an invalidation heartbeat: {}", ex.getMessage());
		}
	}

	private void publish(String code) {
		call(() -> this.redis.convertAndSend(INVALIDATION_CHANNEL, code));
	}

	private void releaseQuietly(String code, String token) {
		try {
			call(() -> this.redis.execute(DELETE_IF_UNCHANGED, List.of(leaseKey(code)), token));
		}
		catch (CacheUnavailableException ex) {
			// the lease expires by itself after leaseTtl
		}
	}

	private <T> T call(Supplier<T> operation) {
		return call(this.breaker, operation);
	}

	/**
	 * Runs one Redis operation through {@code breaker}: while it is open the call fails
	 * at once instead of waiting for a timeout.
	 * @throws CacheUnavailableException when the breaker is open or the call failed
	 */
	public static <T> T call(CircuitBreaker breaker, Supplier<T> operation) {
		if (!breaker.tryAcquirePermission()) {
			throw new CacheUnavailableException("Redis circuit breaker is " + breaker.getState(), null);
		}
		long start = System.nanoTime();
		try {
			T result = operation.get();
			breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			return result;
		}
		catch (RuntimeException ex) {
			breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, ex);
			throw new CacheUnavailableException("Redis call failed: " + ex.getMessage(), ex);
		}
	}

	static String linkKey(String code) {
		return "shortener:{" + code + "}:link";
	}

	static String leaseKey(String code) {
		return "shortener:{" + code + "}:lease";
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while waiting for a cache lease", ex);
		}
	}

}
