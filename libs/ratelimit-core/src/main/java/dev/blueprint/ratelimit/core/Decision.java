package dev.blueprint.ratelimit.core;

import java.util.Comparator;
import java.util.List;

/**
 * The result of one rate-limit check over all limits of a key. A request is admitted only
 * if every limit admits it, and then it is charged to every limit; a denied request
 * charges none.
 *
 * @param allowed whether the request was admitted
 * @param outcomes one per limit, in the order the limits were given
 */
public record Decision(boolean allowed, List<LimitOutcome> outcomes) {

	public Decision {
		outcomes = List.copyOf(outcomes);
		if (outcomes.isEmpty()) {
			throw new IllegalArgumentException("a decision needs at least one limit outcome");
		}
	}

	/**
	 * The limit that decides what clients are told: when denied, the denying limit that
	 * frees up last; when allowed, the one with the fewest permits left.
	 */
	public LimitOutcome binding() {
		if (!this.allowed) {
			return this.outcomes.stream()
				.filter((outcome) -> !outcome.allowed())
				.max(Comparator.comparingLong(LimitOutcome::retryAfterMillis))
				.orElseThrow();
		}
		return this.outcomes.stream()
			.min(Comparator.comparingLong(LimitOutcome::remaining)
				.thenComparing(Comparator.comparingLong(LimitOutcome::resetMillis).reversed()))
			.orElseThrow();
	}

	/** Time until a retry of the same cost could pass every limit; 0 when allowed. */
	public long retryAfterMillis() {
		return this.outcomes.stream().mapToLong(LimitOutcome::retryAfterMillis).max().orElse(0);
	}

}
