package dev.blueprint.ratelimit.core;

import java.util.List;

/**
 * Where limit state lives and decisions are taken atomically. Implementations: the Redis
 * adapter (one script call per decision, Redis server time) and
 * {@link InMemoryRateLimitStore} (one process, used as the local fallback).
 */
public interface RateLimitStore {

	/**
	 * Charges {@code cost} permits to every limit of {@code bucket} if all of them admit
	 * it, and nothing otherwise, in one atomic step.
	 * @param bucket the key all limits share, from {@link RateLimitKeys#bucket}
	 * @param limits the limits, at least one; each keeps its own state
	 * @param cost permits the request costs, at least 1
	 * @return the decision with one outcome per limit, in order
	 * @throws RateLimitStoreException when the store cannot be reached or fails
	 */
	Decision acquire(String bucket, List<Limit> limits, long cost);

	/**
	 * Rejects what no store can decide: no limits, a cost below 1, or a cost above
	 * {@link Limit#MAX_LOG_COST} on a sliding window log (one entry per permit, all
	 * written in one call).
	 * @throws IllegalArgumentException if so
	 */
	static void requireValid(List<Limit> limits, long cost) {
		if (limits.isEmpty()) {
			throw new IllegalArgumentException("at least one limit is needed");
		}
		if (cost < 1) {
			throw new IllegalArgumentException("cost must be at least 1, was " + cost);
		}
		if (cost > Limit.MAX_LOG_COST
				&& limits.stream().anyMatch((limit) -> limit.algorithm() == Algorithm.SLIDING_WINDOW_LOG)) {
			throw new IllegalArgumentException(
					"cost must be at most " + Limit.MAX_LOG_COST + " on a sliding-window-log limit, was " + cost);
		}
	}

}
