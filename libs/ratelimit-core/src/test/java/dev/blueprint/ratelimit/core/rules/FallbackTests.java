package dev.blueprint.ratelimit.core.rules;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

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
		assertThat(decision.outcomes()).extracting(LimitOutcome::retryAfterMillis).containsOnly(60_000L);
		assertThat(this.fallback.decide(rule, "big", limits(rule), 2, 1000).allowed()).as("nothing was taken").isTrue();
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
