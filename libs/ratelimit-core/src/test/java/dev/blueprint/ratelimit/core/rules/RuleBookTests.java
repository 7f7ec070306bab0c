package dev.blueprint.ratelimit.core.rules;

import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Limit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class RuleBookTests {

	@Test
	void buildsRulesWithSeveralLimitsOverridesAndDefaults() {
		RuleBook book = RuleBook.of(List.of(new RuleSpec("search", "GET /search", null,
				List.of(new LimitSpec(10L, "second", 20L, null),
						new LimitSpec(1000L, "hour", null, "sliding-window-counter")),
				List.of(new OverrideSpec("partner", List.of(new LimitSpec(100L, "500ms", null, "fixed-window")))), null,
				null)));

		Rule rule = book.byName("search").orElseThrow();
		assertThat(book.byApi("GET /search")).containsSame(rule);
		assertThat(rule.limits()).containsExactly(Limit.tokenBucket(20, 10, Duration.ofSeconds(1)),
				Limit.of(Algorithm.SLIDING_WINDOW_COUNTER, 1000, Duration.ofHours(1)));
		assertThat(rule.limitsFor("partner"))
			.containsExactly(Limit.of(Algorithm.FIXED_WINDOW, 100, Duration.ofMillis(500)));
		assertThat(rule.maxCost("anyone")).isEqualTo(20);
		assertThat(rule.shadow()).isFalse();
		assertThat(rule.failurePolicy()).isEqualTo(FailurePolicy.LOCAL);
	}

	@Test
	void namesTheRuleAndFieldOfEveryProblem() {
		assertInvalid(
				new RuleSpec(null, null, null, List.of(new LimitSpec(1L, "second", null, null)), null, null, null),
				"Invalid rate limit rule rules[0]: name is required");
		assertInvalid(new RuleSpec("a:b", null, null, List.of(), null, null, null),
				"Invalid rate limit rule 'a:b': name must be 1 to 64 letters, digits, '.', '_' or '-', was 'a:b'");
		assertInvalid(new RuleSpec("r", null, null, List.of(), null, null, null),
				"Invalid rate limit rule 'r': limits must list at least one limit");
		assertInvalid(
				new RuleSpec("r", null, null, List.of(new LimitSpec(-5L, "second", null, null)), null, null, null),
				"Invalid rate limit rule 'r': limits[0].limit must be greater than 0, was -5");
		assertInvalid(
				new RuleSpec("r", null, "fixed-window", List.of(new LimitSpec(5L, "second", 10L, null)), null, null,
						null),
				"Invalid rate limit rule 'r': limits[0].burst only applies to token-bucket, not fixed-window");
		assertInvalid(
				new RuleSpec("r", null, null, List.of(new LimitSpec(5L, "second", null, null)), null, null,
						"sometimes"),
				"Invalid rate limit rule 'r': failure-policy 'sometimes' is not one of fail-open, fail-closed, local");
		assertInvalid(
				new RuleSpec("r", null, null, List.of(new LimitSpec(5L, "second", null, null)),
						List.of(new OverrideSpec("vip", List.of(new LimitSpec(0L, "second", null, null)))), null, null),
				"Invalid rate limit rule 'r': overrides[0].limits[0].limit must be greater than 0, was 0");
	}

	@Test
	void windowsUpToAYearAreAccepted() {
		for (String unit : List.of("366d", "8784h", "527040m", "31622400s", "31622400000ms")) {
			assertThat(limit(new LimitSpec(1L, unit, null, null)).window()).as(unit).isEqualTo(Duration.ofDays(366));
		}
	}

	@Test
	void longerWindowsAreRefusedNamingTheRuleAndField() {
		// 106752d overflowed Duration.toNanos() on every check; the last one a long
		for (String unit : List.of("367d", "31622400001ms", "106752d", "99999999999999999999d",
				"9223372036854775807m")) {
			assertInvalid(new RuleSpec("r", null, null, List.of(new LimitSpec(1L, unit, null, null)), null, null, null),
					"Invalid rate limit rule 'r': limits[0].unit '" + unit
							+ "' is longer than the longest window, 366d");
		}
	}

	@Test
	void limitsAndBurstsUpTo10To12AreAccepted() {
		Limit limit = limit(new LimitSpec(1_000_000_000_000L, "second", 1_000_000_000_000L, null));
		assertThat(limit.permits()).isEqualTo(Limit.MAX_PERMITS);
		assertThat(limit.burst()).isEqualTo(Limit.MAX_PERMITS);
		assertInvalid(
				new RuleSpec("r", null, null, List.of(new LimitSpec(1_000_000_000_001L, "second", null, null)), null,
						null, null),
				"Invalid rate limit rule 'r': limits[0].limit must be at most 1000000000000, was 1000000000001");
		assertInvalid(
				new RuleSpec("r", null, null, List.of(new LimitSpec(5L, "second", 1_000_000_000_001L, null)), null,
						null, null),
				"Invalid rate limit rule 'r': limits[0].burst must be at most 1000000000000, was 1000000000001");
	}

	@Test
	void aSlidingWindowLogRequestCostsAtMost10000Permits() {
		RuleBook book = RuleBook.of(List.of(new RuleSpec("log", null, "sliding-window-log",
				List.of(new LimitSpec(100_000L, "day", null, null)),
				List.of(new OverrideSpec("small", List.of(new LimitSpec(5_000L, "day", null, null)))), null, null)));
		Rule rule = book.byName("log").orElseThrow();
		assertThat(rule.maxCost("anyone")).isEqualTo(10_000);
		assertThat(rule.maxCost("small")).isEqualTo(5_000);
	}

	private static Limit limit(LimitSpec spec) {
		return RuleBook.of(List.of(new RuleSpec("r", null, null, List.of(spec), null, null, null)))
			.byName("r")
			.orElseThrow()
			.limits()
			.get(0);
	}

	private static void assertInvalid(RuleSpec spec, String message) {
		assertThatExceptionOfType(InvalidRuleException.class).isThrownBy(() -> RuleBook.of(List.of(spec)))
			.withMessage(message);
	}

}
