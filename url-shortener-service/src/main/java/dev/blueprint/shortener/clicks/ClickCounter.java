package dev.blueprint.shortener.clicks;

import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraClickStore.Increment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts redirects in memory and hands the sums on every flush interval, so the redirect
 * path only increments a {@link LongAdder}: to the {@link RedisClickBuffer} when there is
 * one (Cassandra then gets them at the rollup), else, and for whatever Redis did not
 * take, straight to Cassandra as one counter update per code and day (in counter batches
 * of {@value CassandraClickStore#BATCH}). Sums that fail to reach Cassandra are added
 * back and retried; while both are down at most {@code maxPending} code-days are held,
 * and clicks beyond that are dropped and counted.
 */
public final class ClickCounter {

	private static final Logger logger = LoggerFactory.getLogger(ClickCounter.class);

	/** Counter batches in flight at once. */
	private static final int IN_FLIGHT = 8;

	private static final long MILLIS_PER_DAY = 86_400_000L;

	private volatile LocalDate day;

	private final ConcurrentHashMap<CodeDay, LongAdder> counts = new ConcurrentHashMap<>();

	// adders removed while idle: flushed once more, in case a click raced the removal
	private final ConcurrentLinkedQueue<Map.Entry<CodeDay, LongAdder>> retired = new ConcurrentLinkedQueue<>();

	private final CassandraClickStore store;

	private final RedisClickBuffer buffer;

	private final Clock clock;

	private final int maxPending;

	private final Counter flushed;

	private final Counter dropped;

	private final Counter failed;

	private final Counter writes;

	/**
	 * @param store Cassandra's counters
	 * @param buffer where sums go first; {@code null} to write them straight to Cassandra
	 * @param clock the time, for the UTC day
	 * @param maxPending code-days held while nothing takes them
	 * @param meters metrics
	 */
	public ClickCounter(CassandraClickStore store, RedisClickBuffer buffer, Clock clock, int maxPending,
			MeterRegistry meters) {
		this.store = store;
		this.buffer = buffer;
		this.clock = clock;
		this.maxPending = maxPending;
		this.flushed = flushed(meters, "cassandra");
		this.dropped = Counter.builder("blueprint.shortener.clicks.dropped")
			.description("Clicks not counted: more than max-pending-codes code-days were in memory (clicked within "
					+ "about two flush intervals, or waiting while Redis and Cassandra took nothing)")
			.register(meters);
		this.failed = Counter.builder("blueprint.shortener.clicks.flush.failures")
			.description("Counter updates that failed and were kept for the next flush")
			.register(meters);
		this.writes = cassandraWrites(meters);
		meters.gauge("blueprint.shortener.clicks.pending", this.counts, Map::size);
	}

	static Counter flushed(MeterRegistry meters, String to) {
		return Counter.builder("blueprint.shortener.clicks.flushed")
			.description("Clicks handed on from this instance's memory: to Redis's buffer, or straight to Cassandra")
			.tag("to", to)
			.register(meters);
	}

	static Counter cassandraWrites(MeterRegistry meters) {
		return Counter.builder("blueprint.shortener.clicks.writes")
			.description("Counter updates sent to Cassandra (one per code and day with clicks, per flush or rollup)")
			.register(meters);
	}

	/** Counts one redirect of {@code code}. */
	public void record(String code) {
		CodeDay key = new CodeDay(code, today());
		LongAdder adder = this.counts.get(key);
		if (adder == null) {
			if (this.counts.size() >= this.maxPending) {
				this.dropped.increment();
				return;
			}
			adder = this.counts.computeIfAbsent(key, (k) -> new LongAdder());
		}
		adder.increment();
	}

	/** The UTC day now, without allocating a zoned clock per redirect. */
	private LocalDate today() {
		long day = Math.floorDiv(this.clock.millis(), MILLIS_PER_DAY);
		LocalDate cached = this.day;
		if (cached == null || cached.toEpochDay() != day) {
			cached = LocalDate.ofEpochDay(day);
			this.day = cached;
		}
		return cached;
	}

	/**
	 * Hands the counted clicks to Redis's buffer or Cassandra; runs on the background
	 * scheduler.
	 */
	public void flush() {
		Map<CodeDay, Long> sums = new HashMap<>();
		Map.Entry<CodeDay, LongAdder> entry;
		while ((entry = this.retired.poll()) != null) {
			add(sums, entry.getKey(), entry.getValue().sumThenReset());
		}
		for (Map.Entry<CodeDay, LongAdder> counted : this.counts.entrySet()) {
			long sum = counted.getValue().sumThenReset();
			if (sum == 0) {
				if (this.counts.remove(counted.getKey(), counted.getValue())) {
					this.retired.add(counted);
				}
				continue;
			}
			add(sums, counted.getKey(), sum);
		}
		if (this.buffer != null && !sums.isEmpty()) {
			sums = this.buffer.add(sums);
		}
		List<CompletableFuture<Void>> inFlight = new ArrayList<>();
		List<Map.Entry<CodeDay, Long>> batch = new ArrayList<>(CassandraClickStore.BATCH);
		for (Map.Entry<CodeDay, Long> sum : sums.entrySet()) {
			batch.add(sum);
			if (batch.size() == CassandraClickStore.BATCH) {
				write(batch, inFlight);
				batch = new ArrayList<>(CassandraClickStore.BATCH);
			}
		}
		if (!batch.isEmpty()) {
			write(batch, inFlight);
		}
		awaitAll(inFlight);
	}

	private static void add(Map<CodeDay, Long> sums, CodeDay key, long sum) {
		if (sum != 0) {
			sums.merge(key, sum, Long::sum);
		}
	}

	private void write(List<Map.Entry<CodeDay, Long>> batch, List<CompletableFuture<Void>> inFlight) {
		this.writes.increment(batch.size());
		List<Increment> increments = batch.stream()
			.map((sum) -> new Increment(sum.getKey().code(), sum.getKey().day(), sum.getValue()))
			.toList();
		CompletableFuture<Void> write = this.store.add(increments).toCompletableFuture().handle((ok, failure) -> {
			for (Map.Entry<CodeDay, Long> sum : batch) {
				if (failure == null) {
					this.flushed.increment(sum.getValue());
				}
				else {
					this.failed.increment();
					this.counts.computeIfAbsent(sum.getKey(), (k) -> new LongAdder()).add(sum.getValue());
				}
			}
			return null;
		});
		inFlight.add(write);
		if (inFlight.size() >= IN_FLIGHT) {
			awaitAll(inFlight);
		}
	}

	private static void awaitAll(List<CompletableFuture<Void>> inFlight) {
		try {
			CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
		}
		catch (RuntimeException ex) {
			logger.warn("Click flush failed", ex);
		}
		inFlight.clear();
	}

}
