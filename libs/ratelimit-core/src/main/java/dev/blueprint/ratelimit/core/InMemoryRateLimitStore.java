package dev.blueprint.ratelimit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The same four algorithms as the Lua scripts, for one process: the service's local
 * fallback while Redis is unreachable, and a store for tests. Decisions on one bucket are
 * serialized; buckets are independent. Idle state is swept after it has fully
 * replenished: every few thousand decisions, and, once {@link #sweepEvery} was called, on
 * a timer too. Without the timer, the buckets of an outage's subjects stayed after Redis
 * came back (no decision reaches a fallback store then) until the next outage: for an
 * hourly rule and many subjects, a heap's worth.
 */
public class InMemoryRateLimitStore implements RateLimitStore, AutoCloseable {

	private static final int SWEEP_EVERY = 4096;

	private final Clock clock;

	private final Map<String, BucketState> buckets = new ConcurrentHashMap<>();

	private final AtomicLong operations = new AtomicLong();

	private volatile ScheduledExecutorService sweeper;

	public InMemoryRateLimitStore(Clock clock) {
		this.clock = clock;
	}

	/**
	 * Sweeps idle state every {@code period} on a daemon thread of its own, until
	 * {@link #close()}.
	 * @param period how often; at least a second
	 * @return this store
	 */
	public synchronized InMemoryRateLimitStore sweepEvery(Duration period) {
		if (period.compareTo(Duration.ofSeconds(1)) < 0) {
			throw new IllegalArgumentException("the sweep period must be at least 1s, was " + period);
		}
		if (this.sweeper == null) {
			ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "ratelimit-fallback-sweep");
				thread.setDaemon(true);
				return thread;
			});
			sweeper.scheduleWithFixedDelay(this::sweepExpired, period.toMillis(), period.toMillis(),
					TimeUnit.MILLISECONDS);
			this.sweeper = sweeper;
		}
		return this;
	}

	/** Drops every bucket that has fully replenished; returns how many are left. */
	public int sweepExpired() {
		sweep(micros(this.clock.instant()));
		return this.buckets.size();
	}

	/** Stops the timer of {@link #sweepEvery}. */
	@Override
	public synchronized void close() {
		if (this.sweeper != null) {
			this.sweeper.shutdownNow();
			this.sweeper = null;
		}
	}

	@Override
	public Decision acquire(String bucket, List<Limit> limits, long cost) {
		RateLimitStore.requireValid(limits, cost);
		long now = micros(this.clock.instant());
		if (this.operations.incrementAndGet() % SWEEP_EVERY == 0) {
			sweep(now);
		}
		BucketState state = this.buckets.computeIfAbsent(bucket, (key) -> new BucketState());
		synchronized (state) {
			List<Step> steps = new ArrayList<>(limits.size());
			boolean allowed = true;
			for (Limit limit : limits) {
				Step step = state.limit(limit).check(limit, now, cost);
				steps.add(step);
				allowed &= step.allowed;
			}
			List<LimitOutcome> outcomes = new ArrayList<>(limits.size());
			for (int i = 0; i < limits.size(); i++) {
				Limit limit = limits.get(i);
				Step step = steps.get(i);
				if (allowed) {
					state.limit(limit).commit(limit, now, cost);
				}
				long remaining = allowed ? step.remainingAfter : step.remainingBefore;
				double reset = allowed ? step.resetAfterMicros : step.resetBeforeMicros;
				outcomes.add(new LimitOutcome(limit, step.allowed, Math.max(0, remaining), ceilMillis(reset),
						step.allowed ? 0 : ceilMillis(step.retryMicros)));
			}
			state.expiresAt = now + limits.stream().mapToLong(InMemoryRateLimitStore::lifetimeMicros).max().orElse(0);
			return new Decision(allowed, outcomes);
		}
	}

	/** Number of buckets held, for tests. */
	int size() {
		return this.buckets.size();
	}

	private void sweep(long now) {
		this.buckets.entrySet().removeIf((entry) -> {
			synchronized (entry.getValue()) {
				return entry.getValue().expiresAt < now;
			}
		});
	}

	private static long micros(Instant instant) {
		return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
	}

	private static long micros(Limit limit) {
		return limit.window().toNanos() / 1_000;
	}

	/**
	 * How long a limit's state matters after its last use: two windows, and for a token
	 * bucket at least the time to refill it from empty (burst / permits windows), plus a
	 * window. Before 2026-12-06 it was two windows for all, and a bucket whose burst is
	 * more than twice its refill was swept (so full again) before it had refilled.
	 */
	static long lifetimeMicros(Limit limit) {
		double window = micros(limit);
		double lifetime = 2 * window;
		if (limit.algorithm() == Algorithm.TOKEN_BUCKET) {
			lifetime = Math.max(lifetime, window * ((double) limit.burst() / limit.permits()) + window);
		}
		// at most ~146 years: now + lifetime stays a long
		return (long) Math.min(lifetime, Long.MAX_VALUE / 4.0);
	}

	// The epsilon keeps floating-point noise (3000000.0000000004 µs) from adding a
	// millisecond.
	private static long ceilMillis(double micros) {
		return (long) Math.ceil(Math.max(0, micros) / 1000.0 - 1e-6);
	}

	private static final class BucketState {

		private final Map<String, LimitState> limits = new ConcurrentHashMap<>();

		private long expiresAt;

		LimitState limit(Limit limit) {
			return this.limits.computeIfAbsent(limit.stateId(), (id) -> switch (limit.algorithm()) {
				case TOKEN_BUCKET -> new TokenBucket(limit);
				case SLIDING_WINDOW_LOG -> new SlidingLog();
				case SLIDING_WINDOW_COUNTER -> new SlidingCounter();
				case FIXED_WINDOW -> new FixedWindow();
			});
		}

	}

	private static final class Step {

		boolean allowed;

		long remainingBefore;

		long remainingAfter;

		double resetBeforeMicros;

		double resetAfterMicros;

		double retryMicros;

	}

	private interface LimitState {

		Step check(Limit limit, long now, long cost);

		void commit(Limit limit, long now, long cost);

	}

	private static final class TokenBucket implements LimitState {

		private double tokens;

		private long updated = -1;

		TokenBucket(Limit limit) {
			this.tokens = limit.burst();
		}

		private void refill(Limit limit, long now) {
			if (this.updated < 0) {
				this.updated = now;
			}
			if (now > this.updated) {
				double rate = (double) limit.permits() / micros(limit);
				this.tokens = Math.min(limit.burst(), this.tokens + (now - this.updated) * rate);
				this.updated = now;
			}
		}

		@Override
		public Step check(Limit limit, long now, long cost) {
			refill(limit, now);
			double rate = (double) limit.permits() / micros(limit);
			Step step = new Step();
			step.allowed = this.tokens + 1e-9 >= cost;
			step.remainingBefore = (long) Math.floor(this.tokens + 1e-9);
			step.remainingAfter = (long) Math.floor(this.tokens - cost + 1e-9);
			step.resetBeforeMicros = (limit.burst() - this.tokens) / rate;
			step.resetAfterMicros = (limit.burst() - this.tokens + cost) / rate;
			step.retryMicros = step.allowed ? 0 : (cost - this.tokens) / rate;
			return step;
		}

		@Override
		public void commit(Limit limit, long now, long cost) {
			this.tokens -= cost;
		}

	}

	private static final class SlidingLog implements LimitState {

		// One entry per admitted permit: its admission time in microseconds.
		private final ArrayDeque<Long> entries = new ArrayDeque<>();

		@Override
		public Step check(Limit limit, long now, long cost) {
			long window = micros(limit);
			while (!this.entries.isEmpty() && this.entries.peekFirst() <= now - window) {
				this.entries.pollFirst();
			}
			long count = this.entries.size();
			Step step = new Step();
			step.allowed = count + cost <= limit.permits();
			step.remainingBefore = limit.permits() - count;
			step.remainingAfter = limit.permits() - count - cost;
			step.resetBeforeMicros = this.entries.isEmpty() ? 0 : this.entries.peekLast() + window - now;
			step.resetAfterMicros = window;
			if (!step.allowed) {
				long mustExpire = count + cost - limit.permits();
				if (mustExpire > count) {
					step.retryMicros = window;
				}
				else {
					long index = 0;
					for (long entry : this.entries) {
						if (++index == mustExpire) {
							step.retryMicros = entry + window - now;
							break;
						}
					}
				}
			}
			return step;
		}

		@Override
		public void commit(Limit limit, long now, long cost) {
			for (long i = 0; i < cost; i++) {
				this.entries.addLast(now);
			}
		}

	}

	private static final class FixedWindow implements LimitState {

		private long window = Long.MIN_VALUE;

		private long count;

		@Override
		public Step check(Limit limit, long now, long cost) {
			long size = micros(limit);
			long current = Math.floorDiv(now, size);
			if (current != this.window) {
				this.window = current;
				this.count = 0;
			}
			Step step = new Step();
			step.allowed = this.count + cost <= limit.permits();
			step.remainingBefore = limit.permits() - this.count;
			step.remainingAfter = limit.permits() - this.count - cost;
			double untilNext = (current + 1) * size - now;
			step.resetBeforeMicros = (this.count == 0) ? 0 : untilNext;
			step.resetAfterMicros = untilNext;
			step.retryMicros = untilNext;
			return step;
		}

		@Override
		public void commit(Limit limit, long now, long cost) {
			this.count += cost;
		}

	}

	private static final class SlidingCounter implements LimitState {

		private long window = Long.MIN_VALUE;

		private long current;

		private long previous;

		@Override
		public Step check(Limit limit, long now, long cost) {
			long size = micros(limit);
			long index = Math.floorDiv(now, size);
			if (index != this.window) {
				this.previous = (index == this.window + 1) ? this.current : 0;
				this.current = 0;
				this.window = index;
			}
			double elapsed = (double) (now - index * size) / size;
			double estimate = this.previous * (1 - elapsed) + this.current;
			Step step = new Step();
			step.allowed = estimate + cost <= limit.permits() + 1e-9;
			step.remainingBefore = (long) Math.floor(limit.permits() - estimate + 1e-9);
			step.remainingAfter = (long) Math.floor(limit.permits() - estimate - cost + 1e-9);
			double untilNext = (index + 1) * size - now;
			step.resetBeforeMicros = (this.current > 0) ? untilNext + size : ((this.previous > 0) ? untilNext : 0);
			step.resetAfterMicros = untilNext + size;
			step.retryMicros = step.allowed ? 0
					: SlidingCounter.retry(limit.permits(), this.previous, this.current, cost, elapsed, size);
			return step;
		}

		// When the weighted estimate will have dropped enough for a request of this cost.
		static double retry(long permits, long previous, long current, long cost, double elapsed, long size) {
			double untilNext = (1 - elapsed) * size;
			if (current + cost <= permits && previous > 0) {
				double fraction = 1 - (double) (permits - current - cost) / previous;
				return Math.max(0, (fraction - elapsed) * size);
			}
			if (current == 0 || cost > permits) {
				return untilNext;
			}
			double fraction = 1 - (double) (permits - cost) / current;
			return untilNext + Math.max(0, fraction) * size;
		}

		@Override
		public void commit(Limit limit, long now, long cost) {
			this.current += cost;
		}

	}

}
