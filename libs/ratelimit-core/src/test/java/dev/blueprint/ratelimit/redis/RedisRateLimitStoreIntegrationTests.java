package dev.blueprint.ratelimit.redis;

import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreContract;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract against a real Redis, plus what only Redis has: scripts and keys.
 */
class RedisRateLimitStoreIntegrationTests extends RateLimitStoreContract {

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

	@Override
	protected RateLimitStore store() {
		return store;
	}

	@Test
	void reloadsTheScriptAfterRedisForgotIt() {
		redis.commands().scriptFlush();
		assertThat(redis.commands().scriptExists(RedisRateLimitStore.SHA)).containsExactly(false);
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 1, Duration.ofHours(1)));
		String bucket = RateLimitKeys.bucket("noscript", Long.toString(System.nanoTime()));
		assertThat(store.acquire(bucket, limits, 1).allowed()).isTrue();
		assertThat(redis.commands().scriptExists(RedisRateLimitStore.SHA)).containsExactly(true);
		assertThat(store.acquire(bucket, limits, 1).allowed()).isFalse();
	}

	@Test
	void everyKeyOfADecisionIsInOneClusterSlot() {
		String bucket = RateLimitKeys.bucket("api", "user:{odd}subject");
		List<Integer> slots = List.of(Algorithm.values())
			.stream()
			.map((algorithm) -> SlotHash
				.getSlot(RateLimitKeys.stateKey(bucket, Limit.of(algorithm, 5, Duration.ofSeconds(1)))))
			.distinct()
			.toList();
		assertThat(slots).hasSize(1);
	}

	/**
	 * A bucket that takes longer than any expiry to refill (10^12 permits, one a year):
	 * the script's PEXPIRE and its integer replies failed (an error for every decision of
	 * the rule). Its times are capped at 100 years.
	 */
	@Test
	void aBucketThatNeverRefillsInALifetimeStillDecides() {
		String bucket = RateLimitKeys.bucket("forever", Long.toString(System.nanoTime()));
		Limit limit = Limit.tokenBucket(Limit.MAX_PERMITS, 1, Limit.MAX_WINDOW);
		long hundredYears = Duration.ofDays(36_500).toMillis();

		Decision first = store.acquire(bucket, List.of(limit), Limit.MAX_PERMITS);
		Decision second = store.acquire(bucket, List.of(limit), 1);

		assertThat(first.allowed()).isTrue();
		assertThat(first.outcomes().get(0).resetMillis()).isEqualTo(hundredYears);
		assertThat(second.allowed()).isFalse();
		assertThat(second.retryAfterMillis()).isBetween(1L, hundredYears);
		assertThat(redis.commands().pttl(RateLimitKeys.stateKey(bucket, limit))).isBetween(hundredYears,
				hundredYears + 1000);
	}

	@Test
	void stateExpiresOnceReplenished() {
		String bucket = RateLimitKeys.bucket("expiry", Long.toString(System.nanoTime()));
		Limit limit = Limit.of(Algorithm.SLIDING_WINDOW_LOG, 5, Duration.ofSeconds(2));
		store.acquire(bucket, List.of(limit), 1);
		long ttl = redis.commands().pttl(RateLimitKeys.stateKey(bucket, limit));
		assertThat(ttl).isBetween(1_000L, 3_000L);
	}

}
