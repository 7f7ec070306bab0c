package dev.blueprint.notification.push.core;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When to try a failed push again: exponential back-off with jitter, bounded in attempts
 * and in total time. The n-th retry waits
 * {@code min(maxBackoff, initial × multiplier^(n-1))} less a random part of up to
 * {@code jitter} of it, so pushes that failed together do not retry together.
 *
 * @param maxAttempts sends in all, the first included
 * @param maxTotal no retry starts later than this after the first send
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
		double jitter, Duration maxTotal) {

	public RetryPolicy {
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("maxAttempts must be at least 1");
		}
		if (multiplier < 1) {
			throw new IllegalArgumentException("multiplier must be at least 1");
		}
		if (jitter < 0 || jitter > 1) {
			throw new IllegalArgumentException("jitter must be between 0 and 1");
		}
	}

	/** What to do after a failed send. */
	public enum Verdict {

		/** Try again after {@link Next#delay()}. */
		RETRY,
		/** The attempts are used up. */
		ATTEMPTS_EXHAUSTED,
		/** The next retry would start after {@code maxTotal}. */
		TIME_EXHAUSTED

	}

	/** A decision: retry after {@code delay}, or give up. */
	public record Next(Verdict verdict, Duration delay) {

		public boolean retry() {
			return this.verdict == Verdict.RETRY;
		}

	}

	/**
	 * Decides after a failed send.
	 * @param failedAttempts sends tried so far (all failed), at least 1
	 * @param elapsed time since the first send started
	 * @param random a uniform random number in [0, 1)
	 */
	public Next next(int failedAttempts, Duration elapsed, DoubleSupplier random) {
		if (failedAttempts >= this.maxAttempts) {
			return new Next(Verdict.ATTEMPTS_EXHAUSTED, Duration.ZERO);
		}
		Duration delay = backoff(failedAttempts, random.getAsDouble());
		return retryWithin(elapsed, delay);
	}

	/**
	 * Decides after a push that was not sent (its provider's circuit breaker is open):
	 * not an attempt, so only the total time bounds it. The wait is {@code wait} plus up
	 * to {@code jitter} of it, so the pushes held back do not all come back at once.
	 * @param elapsed time since the first send started
	 * @param wait when the provider may take calls again
	 * @param random a uniform random number in [0, 1)
	 */
	public Next notSent(Duration elapsed, Duration wait, DoubleSupplier random) {
		Duration delay = Duration.ofMillis(Math.round(wait.toMillis() * (1 + this.jitter * random.getAsDouble())));
		return retryWithin(elapsed, delay);
	}

	/** A retry after {@code delay}, unless it would start after {@code maxTotal}. */
	private Next retryWithin(Duration elapsed, Duration delay) {
		if (elapsed.plus(delay).compareTo(this.maxTotal) > 0) {
			return new Next(Verdict.TIME_EXHAUSTED, Duration.ZERO);
		}
		return new Next(Verdict.RETRY, delay);
	}

	/** The wait before retry number {@code retry} (1 for the first). */
	Duration backoff(int retry, double random) {
		double base = this.initialBackoff.toMillis() * Math.pow(this.multiplier, retry - 1);
		double capped = Math.min(base, this.maxBackoff.toMillis());
		return Duration.ofMillis(Math.round(capped * (1 - this.jitter * random)));
	}

}
