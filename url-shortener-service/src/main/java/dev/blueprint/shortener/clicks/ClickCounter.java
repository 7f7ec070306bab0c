package dev.blueprint.shortener.clicks;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import dev.blueprint.shortener.storage.CassandraClickStore;
import dev.blueprint.shortener.storage.CassandraClickStore.Increment;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
 * <p>
 * While the {@code cassandra} circuit breaker is closed a flush sends without taking its
 * calls or recording outcomes: they are the requests' (taken, the flush's batches filled
 * its window while Redis was down and could open it for every redirect). While it is open
 * a flush sends nothing. While the breaker is half-open, a flush takes its trial calls
 * like a request, one batch at a time, and its outcomes decide: with Redis down and every
 * redirect answered from the near-cache, no request may call Cassandra for hours, and a
 * flush that waited for them to close the breaker kept every click in memory until then
 * (and lost them at shutdown). A flush stops sending at the first failed batch, when the
 * breaker refuses, or at its time limit ({@link #FLUSH_LIMIT}), and puts the sums it did
 * not send back into memory for the next flush: before 2026-12-07 it sent every sum in
 * rounds of {@value #IN_FLIGHT} batches, each round waiting up to the driver's 10 s, so
 * one flush of 100,000 code-days to a hung Cassandra held its thread for about an hour.
 */
public final class ClickCounter {

	private static final Logger logger = LoggerFactory.getLogger(ClickCounter.class);

	/**
	 * Counter batches in flight at once, across flushes: the batches of a flush that
	 * stopped at its limit still hold their place until the driver completes them.
	 */
	static final int IN_FLIGHT = 8;

	/**
	 * How long after its start a flush stops sending to and waiting for Cassandra. Below
	 * the driver's 10 s write timeout, so a hung Cassandra costs a flush this and not a
	 * timeout per round. A healthy Cassandra takes some 5,000 code-days a second (a
	 * rollup of ~100,400 took 18-23 s in the benchmark, sent 8 batches at a time as
	 * here), so a backlog of {@code max-pending-codes} (100,000) drains over four or five
	 * flushes instead of one of 20 s, nothing lost. And the flush at shutdown fits the
	 * pod's grace period with the shutdown's other waits ({@code ShutdownBudgetTests}).
	 */
	public static final Duration FLUSH_LIMIT = Duration.ofSeconds(5);

	private static final long MILLIS_PER_DAY = 86_400_000L;

	private volatile LocalDate day;

	private final ConcurrentHashMap<CodeDay, LongAdder> counts = new ConcurrentHashMap<>();

	// adders removed while idle: flushed once more, in case a click raced the removal
	private final ConcurrentLinkedQueue<Map.Entry<CodeDay, LongAdder>> retired = new ConcurrentLinkedQueue<>();

	private final CassandraClickStore store;

	private final RedisClickBuffer buffer;

	private final CircuitBreaker cassandra;

	private final Clock clock;

	private final int maxPending;

	private final long limitNanos;

	private final Semaphore inFlight = new Semaphore(IN_FLIGHT);

	/** Whether a batch is in flight as a trial call of the half-open breaker. */
	private final AtomicBoolean trialInFlight = new AtomicBoolean();

	/**
	 * Whether the last flush stopped short, so that only the first of a row is logged.
	 */
	private volatile boolean stoppedShort;

	private final Counter flushed;

	private final Counter dropped;

	private final Counter failed;

	private final Counter writes;

	private final Counter deferred;

	/**
	 * @param store Cassandra's counters
	 * @param buffer where sums go first; {@code null} to write them straight to Cassandra
	 * @param cassandra the {@code cassandra} circuit breaker
	 * @param clock the time, for the UTC day
	 * @param maxPending code-days held while nothing takes them
	 * @param limit how long a flush may send to and wait for Cassandra
	 * ({@link #FLUSH_LIMIT})
	 * @param meters metrics
	 */
	public ClickCounter(CassandraClickStore store, RedisClickBuffer buffer, CircuitBreaker cassandra, Clock clock,
			int maxPending, Duration limit, MeterRegistry meters) {
		this.store = store;
		this.buffer = buffer;
		this.cassandra = cassandra;
		this.clock = clock;
		this.maxPending = maxPending;
		this.limitNanos = limit.toNanos();
		this.flushed = flushed(meters, "cassandra");
		this.dropped = Counter.builder("blueprint.shortener.clicks.dropped")
			.description("Clicks not counted: more than max-pending-codes code-days were in memory (clicked within "
					+ "about two flush intervals, or waiting while Redis and Cassandra took nothing)")
			.register(meters);
		this.failed = Counter.builder("blueprint.shortener.clicks.flush.failures")
			.description("Counter updates that failed and were kept for the next flush")
			.register(meters);
		this.writes = cassandraWrites(meters);
		this.deferred = Counter.builder("blueprint.shortener.clicks.flush.deferred")
			.description("Counter updates a flush did not send to Cassandra (a batch failed, the cassandra circuit "
					+ "breaker refused, or the flush reached its time limit), kept for the next flush")
			.register(meters);
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
	 * Hands the counted clicks to Redis's buffer or Cassandra within the time limit; runs
	 * on the background scheduler, and once more when the application stops.
	 */
	public void flush() {
		long deadline = System.nanoTime() + this.limitNanos;
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
		String stoppedBy = write(sums, deadline);
		if (stoppedBy == null) {
			if (this.stoppedShort) {
				this.stoppedShort = false;
				logger.info("Click flushes reach Cassandra again");
			}
		}
		else if (!this.stoppedShort) {
			this.stoppedShort = true;
			logger.warn("Click flush to Cassandra stopped ({}); the rest is kept for the next flush, and so on "
					+ "until Cassandra takes them (blueprint.shortener.clicks.flush.deferred)", stoppedBy);
		}
	}

	/**
	 * Whether every click counted has been handed on: none in memory, no batch in flight.
	 */
	boolean settled() {
		return this.counts.isEmpty() && this.retired.isEmpty() && this.inFlight.availablePermits() == IN_FLIGHT;
	}

	private static void add(Map<CodeDay, Long> sums, CodeDay key, long sum) {
		if (sum != 0) {
			sums.merge(key, sum, Long::sum);
		}
	}

	/**
	 * Sends the sums to Cassandra in counter batches, {@link #IN_FLIGHT} at a time, until
	 * all are acknowledged, one fails, the breaker refuses or the deadline passes; the
	 * sums not sent are kept, and so are those of a batch that fails, whenever it does.
	 * @return why it stopped short, or {@code null} if every batch was acknowledged
	 */
	private String write(Map<CodeDay, Long> sums, long deadline) {
		AtomicBoolean failed = new AtomicBoolean();
		List<CompletableFuture<Void>> sent = new ArrayList<>();
		Iterator<Map.Entry<CodeDay, Long>> unsent = sums.entrySet().iterator();
		String stoppedBy = null;
		while (unsent.hasNext() && stoppedBy == null) {
			Place place = acquire(failed, deadline);
			stoppedBy = place.refusedBecause();
			if (stoppedBy == null) {
				List<Map.Entry<CodeDay, Long>> batch = new ArrayList<>(CassandraClickStore.BATCH);
				while (unsent.hasNext() && batch.size() < CassandraClickStore.BATCH) {
					batch.add(unsent.next());
				}
				CompletableFuture<Void> write = send(batch, failed, place.trial());
				sent.add(write);
				if (place.trial()) {
					// One trial at a time: its outcome decides whether the breaker
					// closes (and the flush goes on) or opens (and it stops).
					stoppedBy = await(List.of(write), deadline);
				}
			}
		}
		int kept = 0;
		while (unsent.hasNext()) {
			Map.Entry<CodeDay, Long> sum = unsent.next();
			keep(sum.getKey(), sum.getValue());
			kept++;
		}
		this.deferred.increment(kept);
		if (stoppedBy == null) {
			stoppedBy = await(sent, deadline);
		}
		return (stoppedBy == null && failed.get()) ? "a counter batch failed" : stoppedBy;
	}

	/**
	 * Takes a place in flight for the next batch, if the {@code cassandra} breaker lets
	 * it: closed, or half-open with a trial call free (then the batch is that call).
	 */
	private Place acquire(AtomicBoolean failed, long deadline) {
		if (failed.get()) {
			return Place.refused("a counter batch failed");
		}
		if (deadline - System.nanoTime() <= 0) {
			return Place.refused(timeLimitReached());
		}
		// Closed: read, not taken. The breaker guards the requests (redirects, creates),
		// and the flush's batches (up to 8 a second, while Redis is down and every
		// redirect reads Cassandra) would fill its window.
		CircuitBreaker.State state = this.cassandra.getState();
		if (state != CircuitBreaker.State.CLOSED && state != CircuitBreaker.State.HALF_OPEN) {
			return Place.refused("the cassandra circuit breaker is " + state);
		}
		try {
			if (!this.inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
				return Place.refused(timeLimitReached());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Place.refused("interrupted");
		}
		// Read again: the wait for a place may have lasted while the breaker changed.
		state = this.cassandra.getState();
		if (state == CircuitBreaker.State.CLOSED) {
			return Place.TAKEN;
		}
		// Half-open: one trial of the flushes' at a time, also across flushes (the one at
		// shutdown beside a scheduled one, or a trial the last flush stopped waiting
		// for),
		// so the requests keep the others.
		if (state == CircuitBreaker.State.HALF_OPEN && this.trialInFlight.compareAndSet(false, true)) {
			if (this.cassandra.tryAcquirePermission()) {
				return Place.TRIAL;
			}
			this.trialInFlight.set(false);
		}
		this.inFlight.release();
		return Place.refused("the cassandra circuit breaker is " + state
				+ ((state == CircuitBreaker.State.HALF_OPEN) ? " and has no trial call free for the flush" : ""));
	}

	/**
	 * A batch's place in flight, or why there is none.
	 *
	 * @param refusedBecause why not, or {@code null} if taken
	 * @param trial whether the batch is one of the half-open breaker's trial calls (its
	 * outcome is recorded there)
	 */
	private record Place(String refusedBecause, boolean trial) {

		static final Place TAKEN = new Place(null, false);

		static final Place TRIAL = new Place(null, true);

		static Place refused(String reason) {
			return new Place(reason, false);
		}

	}

	private String timeLimitReached() {
		return "its time limit of " + TimeUnit.NANOSECONDS.toMillis(this.limitNanos) + " ms reached";
	}

	private CompletableFuture<Void> send(List<Map.Entry<CodeDay, Long>> batch, AtomicBoolean failed, boolean trial) {
		this.writes.increment(batch.size());
		long start = System.nanoTime();
		List<Increment> increments = batch.stream()
			.map((sum) -> new Increment(sum.getKey().code(), sum.getKey().day(), sum.getValue()))
			.toList();
		CompletionStage<Void> write;
		try {
			write = this.store.add(increments);
		}
		catch (RuntimeException ex) {
			// a failed stage all the same: the place in flight must be given back
			write = CompletableFuture.failedFuture(ex);
		}
		return write.toCompletableFuture().handle((ok, failure) -> {
			try {
				if (failure == null) {
					batch.forEach((sum) -> this.flushed.increment(sum.getValue()));
				}
				else {
					failed.set(true);
					this.failed.increment(batch.size());
					batch.forEach((sum) -> keep(sum.getKey(), sum.getValue()));
				}
			}
			finally {
				if (trial) {
					recordTrial(System.nanoTime() - start, failure);
				}
				this.inFlight.release();
			}
			return null;
		});
	}

	private void recordTrial(long tookNanos, Throwable failure) {
		try {
			if (failure == null) {
				this.cassandra.onSuccess(tookNanos, TimeUnit.NANOSECONDS);
			}
			else {
				this.cassandra.onError(tookNanos, TimeUnit.NANOSECONDS,
						(failure instanceof CompletionException) ? failure.getCause() : failure);
			}
		}
		finally {
			this.trialInFlight.set(false);
		}
	}

	private void keep(CodeDay key, long sum) {
		this.counts.computeIfAbsent(key, (k) -> new LongAdder()).add(sum);
	}

	/**
	 * Waits until the deadline for the batches sent; those still in flight then keep
	 * their sums themselves if they fail.
	 * @return why it stopped waiting, or {@code null} if all completed
	 */
	private String await(List<CompletableFuture<Void>> sent, long deadline) {
		try {
			CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
				.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			return null;
		}
		catch (TimeoutException ex) {
			return timeLimitReached();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
		catch (ExecutionException ex) {
			// each batch handles its own failure
			return "a counter batch failed";
		}
	}

}
