package dev.blueprint.ratelimit.core.rules;

import java.util.List;
import java.util.Map;

import dev.blueprint.ratelimit.core.Limit;

/**
 * A validated rule.
 *
 * @param name the rule's name
 * @param api the route or operation it answers to, or {@code null}
 * @param limits the limits every subject gets
 * @param overrides replacement limits by exact subject
 * @param shadow whether denials are only reported
 * @param failurePolicy what happens while the store is unreachable
 */
public record Rule(String name, String api, List<Limit> limits, Map<String, List<Limit>> overrides, boolean shadow,
		FailurePolicy failurePolicy) {

	public Rule {
		limits = List.copyOf(limits);
		overrides = Map.copyOf(overrides);
	}

	/** The limits that apply to {@code subject}. */
	public List<Limit> limitsFor(String subject) {
		return this.overrides.getOrDefault(subject, this.limits);
	}

	/**
	 * The largest cost a request of {@code subject} can have: the smallest capacity, and
	 * at most {@link Limit#MAX_LOG_COST} with a sliding window log.
	 */
	public long maxCost(String subject) {
		return limitsFor(subject).stream().mapToLong(Limit::maxCost).min().orElse(0);
	}

}
