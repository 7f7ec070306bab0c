package dev.blueprint.ratelimit.core;

import java.time.Duration;
import java.util.Objects;

/**
 * One limit: {@code permits} per {@code window} with an algorithm. For the token bucket,
 * {@code burst} is the bucket's capacity (defaults to {@code permits}) and the bucket
 * refills at {@code permits / window}; the window algorithms ignore it.
 *
 * @param algorithm the algorithm
 * @param permits permits per window, 1 to {@link #MAX_PERMITS}
 * @param window the window, 1 ms to {@link #MAX_WINDOW}
 * @param burst the token bucket's capacity, 1 to {@link #MAX_PERMITS}
 */
public record Limit(Algorithm algorithm, long permits, Duration window, long burst) {

	/**
	 * The longest window: a year (366 days). Enough for any quota, and far from where
	 * things break: {@link Duration#toNanos()} overflows past 292 years (every check of
	 * such a rule failed), the script's arithmetic (epoch microseconds in Lua doubles,
	 * exact to 2^53) past about a century.
	 */
	public static final Duration MAX_WINDOW = Duration.ofDays(366);

	/**
	 * The most permits (and burst) a limit may have: 10^12. The script counts in Lua
	 * doubles, exact to 2^53 (about 9 × 10^15), and answers in 64-bit integers; this
	 * keeps every sum of counts and costs exact, and is 1,000 times the largest limit in
	 * use (the benchmark's 10^9).
	 */
	public static final long MAX_PERMITS = 1_000_000_000_000L;

	/**
	 * The most one request may cost on a sliding window log. The log holds one sorted-set
	 * entry per permit, and a request's entries are all written by one script call,
	 * during which Redis serves no one else: a request of 100,000 permits would be
	 * 100,000 entries in one call. The limit itself is not capped (memory per key is
	 * O(limit), which the README states), only what one request adds.
	 */
	public static final long MAX_LOG_COST = 10_000;

	public Limit {
		Objects.requireNonNull(algorithm, "algorithm");
		Objects.requireNonNull(window, "window");
		if (permits < 1 || permits > MAX_PERMITS) {
			throw new IllegalArgumentException("permits must be 1 to " + MAX_PERMITS + ", was " + permits);
		}
		if (window.toMillis() < 1) {
			throw new IllegalArgumentException("window must be at least 1ms, was " + window);
		}
		if (window.compareTo(MAX_WINDOW) > 0) {
			throw new IllegalArgumentException(
					"window must be at most " + MAX_WINDOW.toDays() + " days, was " + window);
		}
		if (burst < 1 || burst > MAX_PERMITS) {
			throw new IllegalArgumentException("burst must be 1 to " + MAX_PERMITS + ", was " + burst);
		}
	}

	public static Limit of(Algorithm algorithm, long permits, Duration window) {
		return new Limit(algorithm, permits, window, permits);
	}

	public static Limit tokenBucket(long capacity, long refillPermits, Duration refillWindow) {
		return new Limit(Algorithm.TOKEN_BUCKET, refillPermits, refillWindow, capacity);
	}

	/**
	 * The most a single request may cost: the bucket capacity, or the window's permits.
	 */
	public long capacity() {
		return (this.algorithm == Algorithm.TOKEN_BUCKET) ? this.burst : this.permits;
	}

	/**
	 * The most a single request may be charged: its {@link #capacity()}, but at most
	 * {@link #MAX_LOG_COST} on a sliding window log.
	 */
	public long maxCost() {
		long capacity = capacity();
		return (this.algorithm == Algorithm.SLIDING_WINDOW_LOG) ? Math.min(capacity, MAX_LOG_COST) : capacity;
	}

	/**
	 * Identifies the limit's state in the store. It includes every parameter, so changing
	 * a rule starts fresh state instead of reinterpreting the old one.
	 */
	public String stateId() {
		String id = this.algorithm.scriptCode() + "-" + this.permits + "-" + this.window.toMillis();
		return (this.algorithm == Algorithm.TOKEN_BUCKET) ? id + "-" + this.burst : id;
	}

}
