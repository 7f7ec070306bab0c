package dev.blueprint.ratelimit.core;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitHeadersTests {

	private final Limit perSecond = Limit.of(Algorithm.FIXED_WINDOW, 10, Duration.ofSeconds(1));

	private final Limit perHour = Limit.tokenBucket(1500, 1000, Duration.ofHours(1));

	@Test
	void allowedRequestsCarryThePoliciesAndTheBindingLimit() {
		Decision decision = new Decision(true, List.of(new LimitOutcome(this.perSecond, true, 7, 1000, 0),
				new LimitOutcome(this.perHour, true, 900, 2_160_500, 0)));

		assertThat(RateLimitHeaders.of("search", decision, true)).containsExactly(
				entry("RateLimit-Policy", "\"search\";q=10;w=1, \"search.2\";q=1500;w=5400"),
				entry("RateLimit", "\"search\";r=7;t=1"), entry("X-RateLimit-Limit", "10"),
				entry("X-RateLimit-Remaining", "7"), entry("X-RateLimit-Reset", "1"));
	}

	@Test
	void deniedRequestsAddRetryAfterFromTheLimitThatFreesUpLast() {
		Decision decision = new Decision(false, List.of(new LimitOutcome(this.perSecond, false, 0, 400, 400),
				new LimitOutcome(this.perHour, false, 0, 5_400_000, 2_500)));

		assertThat(RateLimitHeaders.of("search", decision, false)).containsEntry("RateLimit", "\"search.2\";r=0;t=5400")
			.containsEntry("X-RateLimit-Limit", "1500")
			.containsEntry("Retry-After", "3");
	}

	@Test
	void aTokenBucketsPolicyIsItsBurstPerTheTimeTheBurstTakesToRefill() {
		// 5/s, bursts of 20: 20 per 4 s (20 per second would be four times its rate)
		assertThat(policy(Limit.tokenBucket(20, 5, Duration.ofSeconds(1)))).isEqualTo("\"chat\";q=20;w=4");
		assertThat(policy(Limit.tokenBucket(5, 5, Duration.ofMinutes(1)))).isEqualTo("\"chat\";q=5;w=60");
		// rounded up: 7 at 2/s refill in 3.5 s
		assertThat(policy(Limit.tokenBucket(7, 2, Duration.ofSeconds(1)))).isEqualTo("\"chat\";q=7;w=4");
		assertThat(policy(Limit.tokenBucket(Limit.MAX_PERMITS, 1, Limit.MAX_WINDOW)))
			.as("past a long, capped at the largest Structured Fields integer")
			.isEqualTo("\"chat\";q=1000000000000;w=999999999999999");
		assertThat(policy(Limit.of(Algorithm.SLIDING_WINDOW_LOG, 20, Duration.ofMillis(500))))
			.isEqualTo("\"chat\";q=20;w=1");
	}

	@Test
	void shadowDecisionsThatWouldDenyCarryNoRetryAfter() {
		Decision decision = new Decision(false, List.of(new LimitOutcome(this.perSecond, false, 0, 400, 400)));
		assertThat(RateLimitHeaders.of("search", decision, true)).doesNotContainKey("Retry-After");
	}

	private static String policy(Limit limit) {
		Decision decision = new Decision(true, List.of(new LimitOutcome(limit, true, 1, 1000, 0)));
		return RateLimitHeaders.of("chat", decision, true).get("RateLimit-Policy");
	}

	private static java.util.Map.Entry<String, String> entry(String name, String value) {
		return java.util.Map.entry(name, value);
	}

}
