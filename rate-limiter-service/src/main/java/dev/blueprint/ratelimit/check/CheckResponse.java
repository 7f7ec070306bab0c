package dev.blueprint.ratelimit.check;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.blueprint.ratelimit.core.LimitOutcome;
import dev.blueprint.ratelimit.core.RateLimitHeaders;
import dev.blueprint.ratelimit.core.rules.FailurePolicy;
import dev.blueprint.ratelimit.limiter.CheckOutcome;

/**
 * The answer to a check. {@code limit}, {@code remaining} and {@code resetSeconds} are
 * those of the binding limit (the one that denied, or the one with the fewest permits
 * left); {@code limits} has every limit of the rule. A fail-open admission while Redis is
 * unreachable counted nothing: its {@code remaining} and {@code resetSeconds} are left
 * out (unknown), here and in {@code limits}, as it has no rate-limit headers. Left out,
 * not {@code null}: a client that binds them to a {@code long} reads 0 instead of failing
 * (Jackson 3 refuses {@code null} for a primitive by default).
 * <p>
 * Until 2026-12-07 they said a full quota was left; for a few hours that day,
 * {@code null}.
 *
 * @param allowed whether the request may proceed
 * @param limit the binding limit's capacity
 * @param remaining permits left under it
 * @param resetSeconds seconds until it is fully replenished
 * @param retryAfterSeconds when denied, seconds until a retry can pass; else 0
 * @param rule the rule that decided
 * @param shadowDenied the rule is in shadow mode and would have denied
 * @param degraded Redis was unreachable and the rule's failure policy decided
 * @param limits every limit of the rule
 */
record CheckResponse(boolean allowed, long limit, @JsonInclude(JsonInclude.Include.NON_NULL) Long remaining,
		@JsonInclude(JsonInclude.Include.NON_NULL) Long resetSeconds, long retryAfterSeconds, String rule,
		boolean shadowDenied, boolean degraded, List<LimitView> limits) {

	static CheckResponse of(CheckOutcome outcome) {
		LimitOutcome binding = outcome.binding();
		long retry = outcome.allowed() ? 0
				: Math.max(1, RateLimitHeaders.seconds(outcome.decision().retryAfterMillis()));
		boolean counted = counted(outcome);
		return new CheckResponse(outcome.allowed(), binding.limit().capacity(), counted ? binding.remaining() : null,
				counted ? RateLimitHeaders.seconds(binding.resetMillis()) : null, retry, outcome.rule().name(),
				outcome.shadowDenied(), outcome.fallback(),
				outcome.outcomes().stream().map((limit) -> LimitView.of(limit, counted)).toList());
	}

	/**
	 * Whether the decision counted the request somewhere: all but a fail-open admission
	 * while Redis is unreachable, which reported a full quota until 2026-12-07.
	 */
	static boolean counted(CheckOutcome outcome) {
		return !(outcome.fallback() && outcome.rule().failurePolicy() == FailurePolicy.FAIL_OPEN);
	}

	/**
	 * One limit of the rule.
	 *
	 * @param algorithm the algorithm
	 * @param limit permits per window (token bucket: refill per window)
	 * @param windowSeconds the window
	 * @param capacity the most one request can cost (token bucket: the burst)
	 * @param remaining permits left (left out: not counted)
	 * @param resetSeconds seconds until fully replenished (left out: not counted)
	 * @param allowed whether this limit admitted the request
	 */
	record LimitView(String algorithm, long limit, double windowSeconds, long capacity,
			@JsonInclude(JsonInclude.Include.NON_NULL) Long remaining,
			@JsonInclude(JsonInclude.Include.NON_NULL) Long resetSeconds, boolean allowed) {

		static LimitView of(LimitOutcome outcome, boolean counted) {
			return new LimitView(outcome.limit().algorithm().id(), outcome.limit().permits(),
					outcome.limit().window().toMillis() / 1000.0, outcome.limit().capacity(),
					counted ? outcome.remaining() : null,
					counted ? RateLimitHeaders.seconds(outcome.resetMillis()) : null, outcome.allowed());
		}

	}

}
