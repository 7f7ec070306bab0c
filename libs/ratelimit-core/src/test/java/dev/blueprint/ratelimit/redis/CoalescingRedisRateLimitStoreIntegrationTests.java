package dev.blueprint.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.CoalescingRateLimitStore;
import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract for coalescing over the batch script against a real Redis, and the
 * batch script itself: several requests in one call are decided exactly as the same
 * requests sent one by one.
 */
class CoalescingRedisRateLimitStoreIntegrationTests extends RateLimitStoreContract {

	private static RealRedis redis;

	private static CoalescingRateLimitStore store;

	@BeforeAll
	static void connect() {
		redis = new RealRedis();
		store = new CoalescingRateLimitStore(redis.batchStore());
	}

	@AfterAll
	static void disconnect() {
		redis.close();
	}

	@Override
	protected RateLimitStore store() {
		return store;
	}

	@ParameterizedTest
	@EnumSource(Algorithm.class)
	void aBatchDecidesEachRequestInOrderAsSeparateCallsWould(Algorithm algorithm) throws Exception {
		// an hour-long window: nothing refills or rolls over between the one-by-one calls
		List<Limit> limits = List.of(Limit.of(algorithm, 10, Duration.ofHours(1)),
				Limit.of(algorithm, 8, Duration.ofHours(2)));
		List<Long> costs = List.of(3L, 3L, 1L, 3L, 1L, 1L, 2L, 1L);
		String run = algorithm.id() + "-" + System.nanoTime();
		List<Decision> batch = redis.batchStore()
			.acquireAll(RateLimitKeys.bucket("batch", run), limits, costs)
			.toCompletableFuture()
			.get(5, TimeUnit.SECONDS);
		List<Decision> oneByOne = new ArrayList<>();
		for (long cost : costs) {
			oneByOne.add(redis.store().acquire(RateLimitKeys.bucket("one-by-one", run), limits, cost));
		}
		assertThat(batch).hasSize(costs.size());
		assertThat(summary(batch)).isEqualTo(summary(oneByOne));
		assertThat(summary(batch)).as("3, 3 and 1 pass; 3 more would exceed 8; 1 fills it; then nothing passes")
			.isEqualTo(
					"allowed 7/5, allowed 4/2, allowed 3/1, denied 3/1, allowed 2/0, denied 2/0, denied 2/0, denied 2/0");
	}

	@Test
	void theBatchScriptIsReloadedAfterRedisForgotIt() throws Exception {
		redis.commands().scriptFlush();
		List<Limit> limits = List.of(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofHours(1)));
		String bucket = RateLimitKeys.bucket("noscript-batch", Long.toString(System.nanoTime()));
		List<Decision> decisions = redis.batchStore()
			.acquireAll(bucket, limits, List.of(1L, 1L, 1L))
			.toCompletableFuture()
			.get(5, TimeUnit.SECONDS);
		assertThat(decisions).extracting(Decision::allowed).containsExactly(true, true, false);
		assertThat(redis.commands().scriptExists(RedisRateLimitStore.SHA)).containsExactly(true);
	}

	// allowed or denied, then the remaining permits of each limit
	private static String summary(List<Decision> decisions) {
		return String.join(", ",
				decisions.stream()
					.map((decision) -> (decision.allowed() ? "allowed " : "denied ") + String.join("/",
							decision.outcomes().stream().map((outcome) -> Long.toString(outcome.remaining())).toList()))
					.toList());
	}

}
