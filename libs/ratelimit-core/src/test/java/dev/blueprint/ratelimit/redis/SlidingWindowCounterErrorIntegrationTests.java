package dev.blueprint.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sliding window counter's documented error bound (rate-limiter-service README):
 * under steady overload, once past the first two windows, it admits the limit per rolling
 * window within 20%; in the worst case (the previous window's whole quota spent at its
 * very end, as on a cold start) it admits less than twice the limit in a rolling window.
 */
class SlidingWindowCounterErrorIntegrationTests {

	private static final int LIMIT = 50;

	private static final Duration WINDOW = Duration.ofSeconds(1);

	private static RealRedis redis;

	private static RedisRateLimitStore store;

	@BeforeAll
	static void connect() {
		redis = new RealRedis();
		store = redis.store();
	}

	@AfterAll
	static void disconnect() {
		redis.close();
	}

	@Test
	void steadyOverloadStaysWithinTwentyPercentOfTheLimit() throws InterruptedException {
		String bucket = RateLimitKeys.bucket("swc-steady", Long.toString(System.nanoTime()));
		List<Limit> limits = List.of(Limit.of(Algorithm.SLIDING_WINDOW_COUNTER, LIMIT, WINDOW));
		List<Long> admitted = new ArrayList<>();
		long start = System.nanoTime();
		long end = start + Duration.ofMillis(4200).toNanos();
		// about three times the limit, evenly spread
		while (System.nanoTime() < end) {
			if (store.acquire(bucket, limits, 1).allowed()) {
				admitted.add(System.nanoTime());
			}
			Thread.sleep(6);
		}
		// The first window's permits go out in a burst at its start, which is the worst
		// case
		// below; from the third window on, the previous window's permits are spread
		// evenly.
		long steady = start + 2 * WINDOW.toNanos();
		admitted.removeIf((time) -> time < steady);
		int worst = maxInAnyWindow(admitted);
		System.out.printf(
				"sliding-window-counter steady overload (after two windows): max %d admitted in a rolling %s (limit %d)%n",
				worst, WINDOW, LIMIT);
		assertThat(worst).isBetween(LIMIT, LIMIT + LIMIT / 5);
	}

	@Test
	void aBurstAtTheEndOfAWindowAdmitsLessThanTwiceTheLimit() throws InterruptedException {
		String bucket = RateLimitKeys.bucket("swc-burst", Long.toString(System.nanoTime()));
		List<Limit> limits = List.of(Limit.of(Algorithm.SLIDING_WINDOW_COUNTER, LIMIT, WINDOW));
		sleepUntilMillisIntoWindow(940);
		List<Long> admitted = new ArrayList<>();
		long burstStart = System.nanoTime();
		assertThat(store.acquire(bucket, limits, LIMIT).allowed()).isTrue();
		admitted.add(burstStart);
		long end = burstStart + WINDOW.toNanos();
		while (System.nanoTime() < end) {
			if (store.acquire(bucket, limits, 1).allowed()) {
				admitted.add(System.nanoTime());
			}
			Thread.sleep(4);
		}
		int inWindow = LIMIT + admitted.size() - 1;
		System.out.printf("sliding-window-counter worst case: %d admitted in the rolling %s after a burst (limit %d)%n",
				inWindow, WINDOW, LIMIT);
		assertThat(inWindow).isGreaterThan(LIMIT + LIMIT / 2).isLessThan(2 * LIMIT);
	}

	private static int maxInAnyWindow(List<Long> times) {
		int worst = 0;
		int from = 0;
		for (int to = 0; to < times.size(); to++) {
			while (times.get(to) - times.get(from) >= WINDOW.toNanos()) {
				from++;
			}
			worst = Math.max(worst, to - from + 1);
		}
		return worst;
	}

	private static void sleepUntilMillisIntoWindow(long target) throws InterruptedException {
		List<String> time = redis.commands().time();
		long millisIntoSecond = Long.parseLong(time.get(1)) / 1000;
		long wait = (target - millisIntoSecond + 1000) % 1000;
		Thread.sleep(wait);
	}

}
