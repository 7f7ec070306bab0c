package dev.blueprint.ratelimit.core;

import java.time.Duration;
import java.util.Objects;

/**
 * One limit: {@code permits} per {@code window} with an algorithm. For the token bucket,
 * {@code burst} is the bucket's capacity (defaults to {@code permits}) and the bucket
 * refills at {@code permits / window}; the window algorithms ignore it.
 *
 * @param algorithm the algorithm
 * @param permits permits per window, at least 1
 * @param window the window, at least 1 ms
 * @param burst the token bucket's capacity, at least 1
 */
public record Limit(Algorithm algorithm, long permits, Duration window, long burst) {

	public Limit {
		Objects.requireNonNull(algorithm, "algorithm");
		Objects.requireNonNull(window, "window");
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be at least 1, was " + permits);
		}
		if (window.toMillis() < 1) {
			throw new IllegalArgumentException("window must be at least 1ms, was " + window);
		}
		if (burst < 1) {
			throw new IllegalArgumentException("burst must be at least 1, was " + burst);
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
	 * Identifies the limit's state in the store. It includes every parameter, so changing
	 * a rule starts fresh state instead of reinterpreting the old one.
	 */
	public String stateId() {
		String id = this.algorithm.scriptCode() + "-" + this.permits + "-" + this.window.toMillis();
		return (this.algorithm == Algorithm.TOKEN_BUCKET) ? id + "-" + this.burst : id;
	}

}
