package dev.blueprint.ratelimit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.blueprint.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class InMemoryRateLimitStoreTests extends RateLimitStoreContract {

	private final InMemoryRateLimitStore store = new InMemoryRateLimitStore(Clock.systemUTC());

	@Override
	protected RateLimitStore store() {
		return this.store;
	}

	@Test
	void usesTheClockItIsGiven() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
		InMemoryRateLimitStore store = new InMemoryRateLimitStore(clock);
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofMinutes(1)));
		assertThat(store.acquire("b", limits, 2).allowed()).isTrue();
		assertThat(store.acquire("b", limits, 1).allowed()).isFalse();
		clock.advance(Duration.ofSeconds(60));
		assertThat(store.acquire("b", limits, 2).allowed()).isTrue();
	}

	@Test
	void slidingWindowCounterEstimatesFromThePreviousWindow() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
		InMemoryRateLimitStore store = new InMemoryRateLimitStore(clock);
		List<Limit> limits = List.of(Limit.of(Algorithm.SLIDING_WINDOW_COUNTER, 10, Duration.ofMinutes(1)));
		assertThat(store.acquire("b", limits, 10).allowed()).isTrue();
		// 15 s into the next window, 75% of the previous 10 still count: 7.5, so 2 fit
		clock.advance(Duration.ofSeconds(75));
		assertThat(store.acquire("b", limits, 2).allowed()).isTrue();
		Decision denied = store.acquire("b", limits, 1);
		assertThat(denied.allowed()).isFalse();
		// 0.5 more must leave the estimate: 3 s
		assertThat(denied.retryAfterMillis()).isEqualTo(3_000);
	}

	/**
	 * A token bucket's state outlives its refill: 1 per second with a burst of 10 takes
	 * 10 s to refill, and was swept after two windows (2 s), so it came back full.
	 */
	@Test
	void aTokenBucketIsNotSweptBeforeItHasRefilled() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
		InMemoryRateLimitStore store = new InMemoryRateLimitStore(clock);
		List<Limit> limits = List.of(Limit.tokenBucket(10, 1, Duration.ofSeconds(1)));
		assertThat(store.acquire("spender", limits, 10).allowed()).isTrue();
		clock.advance(Duration.ofMillis(2100));
		List<Limit> other = List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofSeconds(1)));
		for (int i = 0; i < 5000; i++) {
			store.acquire("other" + i, other, 1);
		}
		assertThat(store.acquire("spender", limits, 2).allowed()).as("2.1 tokens refilled").isTrue();
		assertThat(store.acquire("spender", limits, 1).allowed()).as("not 10").isFalse();
	}

	@Test
	void aLimitsStateLivesTwoWindowsOrUntilItsTokenBucketHasRefilled() {
		assertThat(InMemoryRateLimitStore.lifetimeMicros(Limit.of(Algorithm.FIXED_WINDOW, 5, Duration.ofSeconds(1))))
			.isEqualTo(2_000_000);
		assertThat(InMemoryRateLimitStore.lifetimeMicros(Limit.tokenBucket(10, 1, Duration.ofSeconds(1))))
			.isEqualTo(11_000_000);
		assertThat(InMemoryRateLimitStore.lifetimeMicros(Limit.tokenBucket(1, 10, Duration.ofSeconds(1))))
			.isEqualTo(2_000_000);
		assertThat(InMemoryRateLimitStore.lifetimeMicros(Limit.tokenBucket(Limit.MAX_PERMITS, 1, Duration.ofDays(366))))
			.isPositive();
	}

	@Test
	void sweepsIdleBuckets() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
		InMemoryRateLimitStore store = new InMemoryRateLimitStore(clock);
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofSeconds(1)));
		for (int i = 0; i < 5000; i++) {
			store.acquire("b" + i, limits, 1);
			if (i == 100) {
				clock.advance(Duration.ofSeconds(10));
			}
		}
		assertThat(store.size()).isLessThan(5000);
	}

	/**
	 * Once no decision comes (Redis is back), state is still let go as it replenishes: a
	 * sweep does not need a decision.
	 */
	@Test
	void aSweepWithoutDecisionsDropsOnlyTheReplenishedBuckets() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
		InMemoryRateLimitStore store = new InMemoryRateLimitStore(clock);
		List<Limit> perSecond = List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofSeconds(1)));
		List<Limit> perHour = List.of(Limit.of(Algorithm.SLIDING_WINDOW_LOG, 2, Duration.ofHours(1)));
		for (int i = 0; i < 100; i++) {
			store.acquire("second-" + i, perSecond, 1);
			store.acquire("hour-" + i, perHour, 1);
		}
		assertThat(store.sweepExpired()).isEqualTo(200);
		clock.advance(Duration.ofSeconds(3));
		assertThat(store.sweepExpired()).as("the hourly buckets have not replenished").isEqualTo(100);
		assertThat(store.acquire("hour-1", perHour, 2).allowed()).as("and still count").isFalse();
		// two windows after its last decision (the denial above)
		clock.advance(Duration.ofHours(2).plusSeconds(1));
		assertThat(store.sweepExpired()).isZero();
	}

	@Test
	void sweepsOnItsOwnTimerUntilClosed() throws InterruptedException {
		List<Limit> perSecond = List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofSeconds(1)));
		try (InMemoryRateLimitStore store = new InMemoryRateLimitStore(Clock.systemUTC())
			.sweepEvery(Duration.ofSeconds(1))) {
			store.acquire("b", perSecond, 1);
			assertThat(store.size()).isOne();
			// replenished after two windows; swept within the next second
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (store.size() > 0 && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
			assertThat(store.size()).isZero();
		}
	}

	@Test
	void theSweepPeriodIsAtLeastASecond() {
		try (InMemoryRateLimitStore store = new InMemoryRateLimitStore(Clock.systemUTC())) {
			assertThatIllegalArgumentException().isThrownBy(() -> store.sweepEvery(Duration.ofMillis(999)))
				.withMessage("the sweep period must be at least 1s, was PT0.999S");
		}
	}

}
