package dev.blueprint.shortener.clicks;

import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import dev.blueprint.shortener.cache.CacheUnavailableException;
import dev.blueprint.shortener.cache.RedisLinkCache;
import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraClickStore.Increment;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Click sums waiting in Redis to be rolled up into Cassandra.
 * <p>
 * Every instance adds its sums each flush interval ({@code HINCRBY} into one of
 * {@value #SHARDS} hashes, one script call per shard), which costs Redis microseconds per
 * code-day. Every rollup interval one instance (a lock) moves each shard's hash aside
 * ({@code RENAME pending → rolling}, so new clicks go on counting meanwhile) and writes
 * its fields to Cassandra's counters (in counter batches), deleting each field once
 * Cassandra acknowledged it. So Cassandra gets one counter update per code-day per rollup
 * interval instead of one per code-day per flush interval, which on a Zipf tail is one
 * per click.
 * <p>
 * What it costs: clicks held here are lost if Redis loses its data (no persistence, an
 * eviction), up to one rollup interval of them; a rollup that dies between Cassandra's
 * acknowledgement and the field's delete counts that chunk ({@value #CHUNK} code-days at
 * most) twice when the next rollup resumes the rolling hash. Reads of a link's clicks add
 * what waits here, so stats stay within a flush interval of the truth.
 * <p>
 * Keys: {@code shortener:clicks:{N}:pending} and {@code shortener:clicks:{N}:rolling}
 * (the hash tag keeps both in one Redis Cluster slot); fields {@code code:epochDay}.
 * <p>
 * Running from construction; as a {@link SmartLifecycle} it is stopped ({@link #close()})
 * in {@link #PHASE}, while Redis and Cassandra still work, and started again by a context
 * restart.
 */
public final class RedisClickBuffer implements SmartLifecycle, AutoCloseable {

	static final int SHARDS = 16;

	static final String LOCK_KEY = "shortener:clicks:rollup-lock";

	/** Code-days per Cassandra round of a rollup, and per script call of an add. */
	static final int CHUNK = 256;

	/** How far back a link's reads look for days still waiting in Redis. */
	static final int DAYS_READ = 7;

	/**
	 * The shortest the rollup lock holds, and what each chunk renews it to: a chunk must
	 * not outlast it, whatever the interval. So rollups run at most once per this, and
	 * {@code shortener.clicks.rollup-interval} is at least this.
	 */
	public static final Duration LOCK_RENEWAL = Duration.ofSeconds(60);

	/**
	 * The lifecycle phase in which a shutdown stops rollups: after the web server (whose
	 * phases are {@code DEFAULT_PHASE - 1024} and {@code - 2048}), before the Redis
	 * connection factory (Lettuce's is 0), which closes its connections when it stops.
	 * Spring stops every lifecycle bean, highest phase first, before it destroys any
	 * bean: as a destroy method alone, {@link #close()} ran after Lettuce had stopped, so
	 * a rollup in progress could not delete the fields of the chunk Cassandra had just
	 * taken, and the next rollup counted that chunk again.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	/**
	 * How long {@link #close()} waits for a chunk being written: its Cassandra writes
	 * time out in 10 s, its Redis calls in 500 ms. Part of the shutdown's budget within
	 * Kubernetes' grace period ({@code ShutdownBudgetTests}); until 2026-12-07 it was 30
	 * s, and with the other waits a shutdown could take 70 s of the 45 s granted.
	 */
	public static final Duration CLOSE_WAIT = Duration.ofSeconds(12);

	private static final Logger logger = LoggerFactory.getLogger(RedisClickBuffer.class);

	// touching the rolling hash keeps a rollup that waits for Cassandra away from LRU
	// eviction's candidates
	private static final RedisScript<Long> ADD = RedisScript.of("""
			for i = 1, #ARGV, 2 do
			  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
			end
			redis.call('TOUCH', KEYS[2])
			return #ARGV / 2
			""", Long.class);

	// an unfinished rolling hash (a rollup that failed or died) is finished first: its
	// size comes back negative
	private static final RedisScript<Long> CLAIM = RedisScript.of("""
			local left = redis.call('HLEN', KEYS[2])
			if left > 0 then
			  return -left
			end
			if redis.call('EXISTS', KEYS[1]) == 1 then
			  redis.call('RENAME', KEYS[1], KEYS[2])
			end
			return redis.call('HLEN', KEYS[2])
			""", Long.class);

	// both hashes in one step: a rename between two reads would count a field twice
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> WAITING = RedisScript.of("""
			local sums = {}
			for i = 1, #ARGV do
			  local pending = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
			  local rolling = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')
			  sums[i] = pending + rolling
			end
			return sums
			""", List.class);

	private static final RedisScript<Long> RENEW = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
			    redis.call('PEXPIRE', KEYS[1], ARGV[2])
			  end
			  return 1
			end
			return 0
			""", Long.class);

	private final StringRedisTemplate redis;

	private final CassandraClickStore store;

	private final CircuitBreaker breaker;

	private final Duration rollupInterval;

	private final Counter buffered;

	private final Counter rolledUp;

	private final Counter writes;

	private final Map<String, Counter> rollups = new HashMap<>();

	/** Held while this instance rolls up, so that {@link #close()} can wait for it. */
	private final ReentrantLock rollingUp = new ReentrantLock();

	private volatile boolean closed;

	/**
	 * @param redis the shared Redis
	 * @param store where rollups write
	 * @param breaker the {@code redis} circuit breaker
	 * @param rollupInterval how often clicks move to Cassandra; the rollup lock is held
	 * this long, so however many instances there are, one rollup runs per interval
	 * @param meters metrics
	 */
	public RedisClickBuffer(StringRedisTemplate redis, CassandraClickStore store, CircuitBreaker breaker,
			Duration rollupInterval, MeterRegistry meters) {
		this.redis = redis;
		this.store = store;
		this.breaker = breaker;
		this.rollupInterval = rollupInterval;
		this.buffered = ClickCounter.flushed(meters, "redis");
		this.rolledUp = Counter.builder("blueprint.shortener.clicks.rolled.up")
			.description("Clicks moved from Redis to Cassandra by rollups")
			.register(meters);
		this.writes = ClickCounter.cassandraWrites(meters);
		for (String outcome : List.of("completed", "failed", "skipped", "redis_unavailable", "stopped")) {
			this.rollups.put(outcome,
					Counter.builder("blueprint.shortener.clicks.rollups")
						.description("Rollups of buffered clicks into Cassandra: completed, failed (Cassandra or Redis "
								+ "failed midway; resumed by the next), skipped (another instance holds the lock), "
								+ "stopped (the instance shut down between two chunks; resumed by the next)")
						.tag("outcome", outcome)
						.register(meters));
		}
	}

	/**
	 * Adds click sums to Redis.
	 * @return the sums Redis did not take (unavailable), for the caller to write
	 * elsewhere
	 */
	public Map<CodeDay, Long> add(Map<CodeDay, Long> sums) {
		List<List<Map.Entry<CodeDay, Long>>> shards = new ArrayList<>(SHARDS);
		for (int shard = 0; shard < SHARDS; shard++) {
			shards.add(new ArrayList<>());
		}
		sums.entrySet().forEach((sum) -> shards.get(shard(sum.getKey().code())).add(sum));
		Map<CodeDay, Long> rejected = new HashMap<>();
		for (int shard = 0; shard < SHARDS; shard++) {
			List<String> keys = List.of(pendingKey(shard), rollingKey(shard));
			List<Map.Entry<CodeDay, Long>> entries = shards.get(shard);
			for (int from = 0; from < entries.size(); from += CHUNK) {
				List<Map.Entry<CodeDay, Long>> chunk = entries.subList(from, Math.min(from + CHUNK, entries.size()));
				Object[] arguments = new Object[chunk.size() * 2];
				for (int i = 0; i < chunk.size(); i++) {
					arguments[2 * i] = chunk.get(i).getKey().field();
					arguments[2 * i + 1] = Long.toString(chunk.get(i).getValue());
				}
				try {
					RedisLinkCache.call(this.breaker, () -> this.redis.execute(ADD, keys, arguments));
					chunk.forEach((added) -> this.buffered.increment(added.getValue()));
				}
				catch (CacheUnavailableException ex) {
					chunk.forEach((lost) -> rejected.merge(lost.getKey(), lost.getValue(), Long::sum));
				}
			}
		}
		return rejected;
	}

	/**
	 * Moves the buffered clicks to Cassandra, unless another instance did within the
	 * rollup interval; runs on the background scheduler.
	 */
	public void rollUp() {
		this.rollingUp.lock();
		try {
			if (!this.closed) {
				rollUpLocked();
			}
		}
		finally {
			this.rollingUp.unlock();
		}
	}

	/** Whether a rollup of this buffer runs now. */
	boolean isRollingUp() {
		return this.rollingUp.isLocked();
	}

	/**
	 * Stops rolling up: a rollup in progress stops after the chunk it is writing (the
	 * next rollup, on any instance, resumes the rest), and this waits up to
	 * {@link #CLOSE_WAIT} for it, so that the Cassandra session and the Redis connection
	 * close after it. Before 2026-12-06 a shutdown closed them under a running rollup,
	 * and a chunk Cassandra had taken but Redis had not yet dropped was written again by
	 * the next; until 2026-12-07 the Redis connection still closed first (see
	 * {@link #PHASE}).
	 */
	@Override
	public void close() {
		this.closed = true;
		try {
			if (this.rollingUp.tryLock(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
				this.rollingUp.unlock();
			}
			else {
				logger.warn("A click rollup still runs after {}; shutting down under it", CLOSE_WAIT);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Rolls up again after a {@link #stop()} (a context restart). */
	@Override
	public void start() {
		this.closed = false;
	}

	/** {@link #close()}, in {@link #PHASE}. */
	@Override
	public void stop() {
		close();
	}

	@Override
	public boolean isRunning() {
		return !this.closed;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private void rollUpLocked() {
		String token = UUID.randomUUID().toString();
		Boolean locked;
		try {
			// at least LOCK_RENEWAL: a chunk must not outlast the lock, whatever the
			// interval
			Duration hold = (this.rollupInterval.compareTo(LOCK_RENEWAL) > 0) ? this.rollupInterval : LOCK_RENEWAL;
			locked = RedisLinkCache.call(this.breaker,
					() -> this.redis.opsForValue().setIfAbsent(LOCK_KEY, token, hold));
		}
		catch (CacheUnavailableException ex) {
			this.rollups.get("redis_unavailable").increment();
			return;
		}
		if (!Boolean.TRUE.equals(locked)) {
			this.rollups.get("skipped").increment();
			return;
		}
		// the lock stays until the interval is over: it marks the rollup as done
		for (int shard = 0; shard < SHARDS; shard++) {
			if (this.closed) {
				// not the next shard's claim and scan (until 2026-12-07 a closed rollup
				// went on through every shard, past the close's wait)
				this.rollups.get("stopped").increment();
				return;
			}
			try {
				if (!rollUp(shard, token)) {
					this.rollups.get(this.closed ? "stopped" : "failed").increment();
					return;
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Click rollup of shard {} failed; the next rollup resumes it: {}", shard, ex.getMessage());
				this.rollups.get("failed").increment();
				return;
			}
		}
		this.rollups.get("completed").increment();
	}

	/**
	 * Drops the rollup lock, so the next {@link #rollUp()} runs whenever the last one was
	 * (for a benchmark, or an operator who wants the clicks in Cassandra now).
	 */
	void releaseRollupLock() {
		RedisLinkCache.call(this.breaker, () -> this.redis.delete(LOCK_KEY));
	}

	/**
	 * Finishes an unfinished rolling hash of one shard if there is one, then moves the
	 * shard's pending hash aside and writes it to Cassandra chunk by chunk.
	 * @return whether the shard is done; false if Cassandra failed or the lock was lost
	 */
	boolean rollUp(int shard, String token) {
		Long fields = RedisLinkCache.call(this.breaker,
				() -> this.redis.execute(CLAIM, List.of(pendingKey(shard), rollingKey(shard))));
		if (fields == null || fields == 0) {
			return true;
		}
		if (!writeRolling(shard, token)) {
			return false;
		}
		return fields > 0 || rollUp(shard, token);
	}

	private boolean writeRolling(int shard, String token) {
		String rolling = rollingKey(shard);
		// HSCAN may return a field twice while the hash is resized
		Set<String> seen = new HashSet<>();
		Map<String, String> chunk = new LinkedHashMap<>();
		try (Cursor<Map.Entry<String, String>> cursor = this.redis.<String, String>opsForHash()
			.scan(rolling, ScanOptions.scanOptions().count(CHUNK).build())) {
			while (cursor.hasNext()) {
				Map.Entry<String, String> field = cursor.next();
				if (seen.add(field.getKey())) {
					chunk.put(field.getKey(), field.getValue());
				}
				if (chunk.size() >= CHUNK && (this.closed || !writeChunk(rolling, chunk, token))) {
					return false;
				}
			}
		}
		return chunk.isEmpty() || (!this.closed && writeChunk(rolling, chunk, token));
	}

	/** One counter batch of a chunk, sent: its fields, their clicks, whether written. */
	private record SentBatch(List<String> fields, long clicks, CompletableFuture<Boolean> written) {
	}

	private boolean writeChunk(String rolling, Map<String, String> chunk, String token) {
		// Checked (and renewed) before the writes too: an instance that lost the lock
		// (a stall longer than it) must not write what the holder now rolls up as well
		if (!renew(token)) {
			logger.warn("Click rollup: the rollup lock passed to another instance; this one stops");
			chunk.clear();
			return false;
		}
		List<String> fields = new ArrayList<>(chunk.keySet());
		List<SentBatch> batches = new ArrayList<>();
		for (int from = 0; from < fields.size(); from += CassandraClickStore.BATCH) {
			List<String> batch = fields.subList(from, Math.min(from + CassandraClickStore.BATCH, fields.size()));
			List<Increment> increments = new ArrayList<>(batch.size());
			long clicks = 0;
			for (String field : batch) {
				CodeDay codeDay = CodeDay.ofField(field);
				long fieldClicks = Long.parseLong(chunk.get(field));
				increments.add(new Increment(codeDay.code(), codeDay.day(), fieldClicks));
				clicks += fieldClicks;
			}
			this.writes.increment(batch.size());
			batches.add(new SentBatch(batch, clicks,
					this.store.add(increments).toCompletableFuture().handle((ok, failure) -> failure == null)));
		}
		List<Object> written = new ArrayList<>();
		long clicks = 0;
		for (SentBatch batch : batches) {
			if (batch.written().join()) {
				written.addAll(batch.fields());
				clicks += batch.clicks();
			}
		}
		chunk.clear();
		if (!written.isEmpty()) {
			RedisLinkCache.call(this.breaker, () -> this.redis.opsForHash().delete(rolling, written.toArray()));
			this.rolledUp.increment(clicks);
		}
		if (written.size() < fields.size()) {
			logger.warn("Click rollup: {} of {} counter updates failed; the next rollup retries them",
					fields.size() - written.size(), fields.size());
			return false;
		}
		return renew(token);
	}

	/**
	 * Whether the rollup lock is still {@code token}'s; if so, it holds another minute.
	 */
	private boolean renew(String token) {
		Long renewed = RedisLinkCache.call(this.breaker,
				() -> this.redis.execute(RENEW, List.of(LOCK_KEY), token, Long.toString(LOCK_RENEWAL.toMillis())));
		return renewed != null && renewed == 1;
	}

	/**
	 * The clicks of {@code code} still waiting here, per day, for the last
	 * {@value #DAYS_READ} days up to {@code today}; empty when Redis is unavailable.
	 */
	public Map<LocalDate, Long> waiting(String code, LocalDate today) {
		int shard = shard(code);
		List<String> fields = new ArrayList<>();
		List<LocalDate> days = new ArrayList<>();
		for (int back = DAYS_READ - 1; back >= 0; back--) {
			LocalDate day = today.minusDays(back);
			days.add(day);
			fields.add(new CodeDay(code, day).field());
		}
		Map<LocalDate, Long> waiting = new LinkedHashMap<>();
		try {
			List<?> sums = RedisLinkCache.call(this.breaker,
					() -> this.redis.execute(WAITING, List.of(pendingKey(shard), rollingKey(shard)), fields.toArray()));
			for (int i = 0; i < days.size(); i++) {
				long clicks = ((Number) sums.get(i)).longValue();
				if (clicks != 0) {
					waiting.put(days.get(i), clicks);
				}
			}
		}
		catch (CacheUnavailableException ex) {
			logger.debug("Clicks waiting in Redis for {} not read: {}", code, ex.getMessage());
			return Map.of();
		}
		return waiting;
	}

	/**
	 * Drops the waiting clicks of a deleted link (best effort: a later flush of another
	 * instance may still add some).
	 */
	public void forget(String code, LocalDate today) {
		int shard = shard(code);
		Object[] fields = new Object[DAYS_READ];
		for (int back = 0; back < DAYS_READ; back++) {
			fields[back] = new CodeDay(code, today.minusDays(back)).field();
		}
		try {
			for (String key : List.of(pendingKey(shard), rollingKey(shard))) {
				RedisLinkCache.call(this.breaker, () -> this.redis.opsForHash().delete(key, fields));
			}
		}
		catch (CacheUnavailableException ex) {
			logger.debug("Clicks waiting in Redis for deleted {} not dropped: {}", code, ex.getMessage());
		}
	}

	static int shard(String code) {
		return Math.floorMod(code.hashCode(), SHARDS);
	}

	static String pendingKey(int shard) {
		return "shortener:clicks:{" + shard + "}:pending";
	}

	static String rollingKey(int shard) {
		return "shortener:clicks:{" + shard + "}:rolling";
	}

}
