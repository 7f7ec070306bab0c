package dev.blueprint.ratelimit.limiter;

import java.util.List;

import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.LimitOutcome;
import dev.blueprint.ratelimit.core.rules.Rule;

/**
 * A decision as the caller sees it.
 *
 * @param rule the rule that decided
 * @param decision what the store (or the fallback) decided
 * @param allowed whether the request may proceed: the decision, unless the rule is in
 * shadow mode, which never denies
 * @param shadowDenied the rule is in shadow mode and would have denied
 * @param fallback Redis was unreachable and the rule's failure policy decided
 */
public record CheckOutcome(Rule rule, Decision decision, boolean allowed, boolean shadowDenied, boolean fallback) {

	public LimitOutcome binding() {
		return this.decision.binding();
	}

	public List<LimitOutcome> outcomes() {
		return this.decision.outcomes();
	}

	/**
	 * The metric outcome tag: allowed, denied, shadow_denied, fallback_allowed or
	 * fallback_denied.
	 */
	public String metricOutcome() {
		if (this.fallback) {
			return this.allowed ? "fallback_allowed" : "fallback_denied";
		}
		if (this.shadowDenied) {
			return "shadow_denied";
		}
		return this.allowed ? "allowed" : "denied";
	}

}
