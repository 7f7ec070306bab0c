package dev.blueprint.ratelimit.core.rules;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.LimitOutcome;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** What each failure policy decides while Redis cannot. */
class FallbackTests {

	private final Fallback fallback = new Fallback(
			new InMemoryRateLimitStore(Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC)), 2);

	@Test
	void failOpenAdmits() {
		Rule rule = rule("fail-open");

		Decision decision = this.fallback.decide(rule, "b", limits(rule), 1, 1000);

		assertThat(decision.allowed()).isTrue();
	}

	@Test
	void failClosedDeniesWithTheGivenRetry() {
		Rule rule = rule("fail-closed");

		Decision decision = this.fallback.decide(rule, "b", limits(rule), 1, 5000);

		assertThat(decision.allowed()).isFalse();
		assertThat(decision.outcomes()).extracting(LimitOutcome::retryAfterMillis).containsOnly(5000L);
	}

	@Test
	void localDecidesThisInstancesShareOfEachLimit() {
		Rule rule = rule("local");

		// limit 4 over 2 instances: 2 here
		assertThat(this.fallback.decide(rule, "b", limits(rule), 1, 1000).allowed()).isTrue();
		assertThat(this.fallback.decide(rule, "b", limits(rule), 1, 1000).allowed()).isTrue();
		assertThat(this.fallback.decide(rule, "b", limits(rule), 1, 1000).allowed()).isFalse();
		assertThat(this.fallback.decide(rule, "other", limits(rule), 1, 1000).allowed()).as("another bucket").isTrue();
	}

	@Test
	void localDeniesACostAboveTheShareForAWindow() {
		Rule rule = rule("local");

		Decision decision = this.fallback.decide(rule, "big", limits(rule), 3, 1000);

		assertThat(decision.allowed()).isFalse();
		assertThat(decision.outcomes()).as("until the breaker tries Redis again, not a window")
			.extracting(LimitOutcome::retryAfterMillis)
			.containsOnly(1000L);
		assertThat(this.fallback.decide(rule, "big", limits(rule), 2, 1000).allowed()).as("nothing was taken").isTrue();
	}

	@Test
	void aLimitWithFewerPermitsThanInstancesKeepsOnePermitOverALongerWindow() {
		// 2 a minute over 5 instances: 1 every 2.5 minutes here, not 1 a minute.
		Fallback five = new Fallback(null, 5);
		Limit share = five.share(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofMinutes(1)));
		assertThat(share.permits()).isEqualTo(1);
		assertThat(share.window()).isEqualTo(Duration.ofSeconds(150));
		assertThat(five.share(Limit.of(Algorithm.FIXED_WINDOW, 10, Duration.ofMinutes(1))))
			.isEqualTo(Limit.of(Algorithm.FIXED_WINDOW, 2, Duration.ofMinutes(1)));
		assertThat(five.share(Limit.tokenBucket(20, 5, Duration.ofSeconds(1))))
			.isEqualTo(Limit.tokenBucket(4, 1, Duration.ofSeconds(1)));
		assertThat(five.share(Limit.tokenBucket(3, 1, Duration.ofSeconds(1))))
			.isEqualTo(Limit.tokenBucket(1, 1, Duration.ofSeconds(5)));
		assertThat(new Fallback(null, 1000).share(Limit.of(Algorithm.FIXED_WINDOW, 1, Duration.ofDays(300))).window())
			.as("at most a year")
			.isEqualTo(Limit.MAX_WINDOW);
	}

	@Test
	void needsAnInstance() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Fallback(null, 0));
	}

	private static Rule rule(String policy) {
		return RuleBook
			.of(List.of(new RuleSpec("r", null, "fixed-window", List.of(new LimitSpec(4L, "minute", null, null)), null,
					null, policy)))
			.byName("r")
			.orElseThrow();
	}

	private static List<Limit> limits(Rule rule) {
		return rule.limitsFor("subject");
	}

}
