package dev.blueprint.ratelimit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
		clock.now = clock.now.plusSeconds(60);
		assertThat(store.acquire("b", limits, 2).allowed()).isTrue();
	}

	@Test
	void slidingWindowCounterEstimatesFromThePreviousWindow() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
		InMemoryRateLimitStore store = new InMemoryRateLimitStore(clock);
		List<Limit> limits = List.of(Limit.of(Algorithm.SLIDING_WINDOW_COUNTER, 10, Duration.ofMinutes(1)));
		assertThat(store.acquire("b", limits, 10).allowed()).isTrue();
		// 15 s into the next window, 75% of the previous 10 still count: 7.5, so 2 fit
		clock.now = clock.now.plusSeconds(75);
		assertThat(store.acquire("b", limits, 2).allowed()).isTrue();
		Decision denied = store.acquire("b", limits, 1);
		assertThat(denied.allowed()).isFalse();
		// 0.5 more must leave the estimate: 3 s
		assertThat(denied.retryAfterMillis()).isEqualTo(3_000);
	}

	@Test
	void sweepsIdleBuckets() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
		InMemoryRateLimitStore store = new InMemoryRateLimitStore(clock);
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofSeconds(1)));
		for (int i = 0; i < 5000; i++) {
			store.acquire("b" + i, limits, 1);
			if (i == 100) {
				clock.now = clock.now.plusSeconds(10);
			}
		}
		assertThat(store.size()).isLessThan(5000);
	}

	static final class MutableClock extends Clock {

		Instant now;

		MutableClock(Instant now) {
			this.now = now;
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
