package dev.blueprint.ratelimit.core;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The behaviour every {@link RateLimitStore} must have, written once and run against each
 * implementation (in memory, real Redis). Tests that wait use windows of a few hundred
 * milliseconds.
 */
public abstract class RateLimitStoreContract {

	private static final Duration HOUR = Duration.ofHours(1);

	protected abstract RateLimitStore store();

	private String bucket() {
		return RateLimitKeys.bucket("contract", UUID.randomUUID().toString());
	}

	@Test
	void tokenBucketAdmitsItsBurstThenDeniesWithRetryAfter() {
		String bucket = bucket();
		List<Limit> limits = List.of(Limit.tokenBucket(5, 1, Duration.ofSeconds(10)));
		for (int i = 4; i >= 0; i--) {
			Decision decision = store().acquire(bucket, limits, 1);
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.binding().remaining()).isEqualTo(i);
		}
		Decision denied = store().acquire(bucket, limits, 1);
		assertThat(denied.allowed()).isFalse();
		assertThat(denied.binding().remaining()).isZero();
		assertThat(denied.retryAfterMillis()).isBetween(9_000L, 10_000L);
		assertThat(denied.binding().resetMillis()).isBetween(49_000L, 50_000L);
	}

	@Test
	void tokenBucketRefillsAtItsRate() throws InterruptedException {
		String bucket = bucket();
		// 10 tokens per 500 ms: one every 50 ms
		List<Limit> limits = List.of(Limit.tokenBucket(10, 10, Duration.ofMillis(500)));
		assertThat(store().acquire(bucket, limits, 10).allowed()).isTrue();
		assertThat(store().acquire(bucket, limits, 1).allowed()).isFalse();
		Thread.sleep(260);
		Decision decision = store().acquire(bucket, limits, 1);
		assertThat(decision.allowed()).isTrue();
		// 5 tokens refilled in 250 ms, one taken; slow CI may add one or two
		assertThat(decision.binding().remaining()).isBetween(4L, 7L);
		Thread.sleep(600);
		assertThat(store().acquire(bucket, limits, 10).allowed()).as("refills to capacity, never beyond").isTrue();
		assertThat(store().acquire(bucket, limits, 1).allowed()).isFalse();
	}

	@Test
	void requestsCostMoreThanOnePermit() {
		String bucket = bucket();
		for (Algorithm algorithm : Algorithm.values()) {
			List<Limit> limits = List.of(Limit.of(algorithm, 10, HOUR));
			String key = bucket + algorithm.id();
			assertThat(store().acquire(key, limits, 4).binding().remaining()).as(algorithm.id()).isEqualTo(6);
			assertThat(store().acquire(key, limits, 4).binding().remaining()).as(algorithm.id()).isEqualTo(2);
			Decision denied = store().acquire(key, limits, 3);
			assertThat(denied.allowed()).as(algorithm.id()).isFalse();
			assertThat(denied.binding().remaining()).as("a denied request takes nothing: " + algorithm.id())
				.isEqualTo(2);
			assertThat(store().acquire(key, limits, 2).allowed()).as(algorithm.id()).isTrue();
			assertThat(store().acquire(key, limits, 1).allowed()).as(algorithm.id()).isFalse();
		}
	}

	@Test
	void slidingWindowLogFreesPermitsOneWindowAfterTheyWereTaken() throws InterruptedException {
		String bucket = bucket();
		List<Limit> limits = List.of(Limit.of(Algorithm.SLIDING_WINDOW_LOG, 3, Duration.ofMillis(400)));
		assertThat(store().acquire(bucket, limits, 2).allowed()).isTrue();
		Thread.sleep(200);
		assertThat(store().acquire(bucket, limits, 1).allowed()).isTrue();
		Decision denied = store().acquire(bucket, limits, 1);
		assertThat(denied.allowed()).isFalse();
		// the first two permits expire 400 ms after they were taken, ~200 ms from now
		assertThat(denied.retryAfterMillis()).isBetween(100L, 210L);
		Thread.sleep(denied.retryAfterMillis() + 10);
		assertThat(store().acquire(bucket, limits, 2).allowed()).isTrue();
		assertThat(store().acquire(bucket, limits, 1).allowed()).as("the third permit is still in the window")
			.isFalse();
	}

	@Test
	void fixedWindowStartsAfreshInTheNextWindow() throws InterruptedException {
		String bucket = bucket();
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 3, Duration.ofMillis(300)));
		Decision last = null;
		int allowed = 0;
		for (int i = 0; i < 5; i++) {
			last = store().acquire(bucket, limits, 1);
			allowed += last.allowed() ? 1 : 0;
		}
		// five quick calls fall into at most two windows
		assertThat(allowed).isBetween(3, 5);
		Decision denied = store().acquire(bucket, limits, 3);
		while (denied.allowed()) {
			// a new window began and holds these 3: the next request of 3 in it is denied
			denied = store().acquire(bucket, limits, 3);
		}
		assertThat(denied.retryAfterMillis()).isBetween(1L, 300L);
		Thread.sleep(denied.retryAfterMillis() + 5);
		assertThat(store().acquire(bucket, limits, 3).allowed()).isTrue();
	}

	@Test
	void slidingWindowCounterWeighsThePreviousWindow() throws InterruptedException {
		String bucket = bucket();
		Duration window = Duration.ofMillis(500);
		List<Limit> limits = List.of(Limit.of(Algorithm.SLIDING_WINDOW_COUNTER, 10, window));
		int allowed = 0;
		for (int i = 0; i < 10; i++) {
			allowed += store().acquire(bucket, limits, 1).allowed() ? 1 : 0;
		}
		assertThat(allowed).isEqualTo(10);
		Decision denied = store().acquire(bucket, limits, 1);
		assertThat(denied.allowed()).isFalse();
		assertThat(denied.retryAfterMillis()).isBetween(1L, 1000L);
		Thread.sleep(denied.retryAfterMillis() + 10);
		assertThat(store().acquire(bucket, limits, 1).allowed()).isTrue();
	}

	@Test
	void aRequestPassesOnlyIfEveryLimitAdmitsItAndIsChargedToAll() {
		String bucket = bucket();
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 5, HOUR),
				Limit.of(Algorithm.SLIDING_WINDOW_LOG, 2, HOUR), Limit.tokenBucket(10, 10, HOUR));
		assertThat(store().acquire(bucket, limits, 1).allowed()).isTrue();
		assertThat(store().acquire(bucket, limits, 1).allowed()).isTrue();
		Decision denied = store().acquire(bucket, limits, 1);
		assertThat(denied.allowed()).isFalse();
		assertThat(denied.outcomes()).extracting(LimitOutcome::allowed).containsExactly(true, false, true);
		assertThat(denied.outcomes()).extracting(LimitOutcome::remaining).containsExactly(3L, 0L, 8L);
		assertThat(denied.binding().limit()).isEqualTo(limits.get(1));
		Decision allowedAlone = store().acquire(bucket, List.of(limits.get(0)), 3);
		assertThat(allowedAlone.binding().remaining()).as("the denied request charged no limit").isZero();
	}

	@Test
	void bucketsAreIndependent() {
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 1, HOUR));
		String first = bucket();
		String second = bucket();
		assertThat(store().acquire(first, limits, 1).allowed()).isTrue();
		assertThat(store().acquire(first, limits, 1).allowed()).isFalse();
		assertThat(store().acquire(second, limits, 1).allowed()).isTrue();
	}

	@Test
	void changedLimitsStartWithFreshState() {
		String bucket = bucket();
		assertThat(store().acquire(bucket, List.of(Limit.of(Algorithm.FIXED_WINDOW, 1, HOUR)), 1).allowed()).isTrue();
		assertThat(store().acquire(bucket, List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, HOUR)), 2).allowed()).isTrue();
	}

	@Test
	void aSlidingWindowLogRequestTakesAtMost10000Permits() {
		String bucket = bucket();
		List<Limit> limits = List.of(Limit.of(Algorithm.SLIDING_WINDOW_LOG, 100_000, HOUR));
		assertThatIllegalArgumentException().isThrownBy(() -> store().acquire(bucket, limits, 10_001))
			.withMessage("cost must be at most 10000 on a sliding-window-log limit, was 10001");
		Decision largest = store().acquire(bucket, limits, 10_000);
		assertThat(largest.allowed()).isTrue();
		assertThat(largest.binding().remaining()).as("the refused request wrote nothing").isEqualTo(90_000);
	}

	@Test
	void allowedDecisionsReportWhenTheLimitIsFullyReplenished() {
		String bucket = bucket();
		Decision decision = store().acquire(bucket, List.of(Limit.of(Algorithm.SLIDING_WINDOW_LOG, 5, HOUR)), 1);
		assertThat(decision.binding().resetMillis()).isBetween(3_599_000L, 3_600_000L);
		assertThat(decision.retryAfterMillis()).isZero();
	}

}
