package dev.blueprint.shortener.redirect;

import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

import dev.blueprint.shortener.storage.CassandraClickStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts redirects in memory and writes the sums to Cassandra every flush interval, so
 * the redirect path only increments a {@link LongAdder}. One counter update per code and
 * day per interval, however many clicks it had. Sums that fail to reach Cassandra are
 * added back and retried; while Cassandra is down at most {@code maxPending} code-days
 * are held, and clicks beyond that are dropped and counted.
 */
public final class ClickCounter {

	private static final Logger logger = LoggerFactory.getLogger(ClickCounter.class);

	private static final int IN_FLIGHT = 256;

	private static final long MILLIS_PER_DAY = 86_400_000L;

	private volatile LocalDate day;

	private final ConcurrentHashMap<Key, LongAdder> counts = new ConcurrentHashMap<>();

	// adders removed while idle: flushed once more, in case a click raced the removal
	private final ConcurrentLinkedQueue<Map.Entry<Key, LongAdder>> retired = new ConcurrentLinkedQueue<>();

	private final CassandraClickStore store;

	private final Clock clock;

	private final int maxPending;

	private final Counter flushed;

	private final Counter dropped;

	private final Counter failed;

	private final Counter writes;

	public ClickCounter(CassandraClickStore store, Clock clock, int maxPending, MeterRegistry meters) {
		this.store = store;
		this.clock = clock;
		this.maxPending = maxPending;
		this.flushed = Counter.builder("blueprint.shortener.clicks.flushed")
			.description("Clicks written to Cassandra")
			.register(meters);
		this.dropped = Counter.builder("blueprint.shortener.clicks.dropped")
			.description("Clicks not counted because too many were pending while Cassandra was down")
			.register(meters);
		this.failed = Counter.builder("blueprint.shortener.clicks.flush.failures")
			.description("Counter updates that failed and were kept for the next flush")
			.register(meters);
		this.writes = Counter.builder("blueprint.shortener.clicks.writes")
			.description("Counter updates sent to Cassandra (one per code and day with clicks, per flush)")
			.register(meters);
		meters.gauge("blueprint.shortener.clicks.pending", this.counts, Map::size);
	}

	/** Counts one redirect of {@code code}. */
	public void record(String code) {
		Key key = new Key(code, today());
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

	/** Writes the counted clicks to Cassandra; runs on the background scheduler. */
	public void flush() {
		List<Map.Entry<Key, LongAdder>> previouslyRetired = new ArrayList<>();
		Map.Entry<Key, LongAdder> entry;
		while ((entry = this.retired.poll()) != null) {
			previouslyRetired.add(entry);
		}
		List<CompletableFuture<Void>> inFlight = new ArrayList<>();
		for (Map.Entry<Key, LongAdder> retiredEntry : previouslyRetired) {
			write(retiredEntry.getKey(), retiredEntry.getValue().sumThenReset(), inFlight);
		}
		for (Map.Entry<Key, LongAdder> counted : this.counts.entrySet()) {
			long sum = counted.getValue().sumThenReset();
			if (sum == 0) {
				if (this.counts.remove(counted.getKey(), counted.getValue())) {
					this.retired.add(counted);
				}
				continue;
			}
			write(counted.getKey(), sum, inFlight);
		}
		awaitAll(inFlight);
	}

	private void write(Key key, long sum, List<CompletableFuture<Void>> inFlight) {
		if (sum == 0) {
			return;
		}
		this.writes.increment();
		CompletableFuture<Void> write = this.store.add(key.code(), key.day(), sum)
			.toCompletableFuture()
			.handle((ok, failure) -> {
				if (failure == null) {
					this.flushed.increment(sum);
				}
				else {
					this.failed.increment();
					this.counts.computeIfAbsent(key, (k) -> new LongAdder()).add(sum);
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

	private record Key(String code, LocalDate day) {
	}

}
