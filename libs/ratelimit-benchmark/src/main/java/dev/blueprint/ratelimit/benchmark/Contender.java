package dev.blueprint.ratelimit.benchmark;

import java.util.function.IntPredicate;

/** One way of taking rate-limit decisions, measured by {@link RateLimitBenchmark}. */
interface Contender extends AutoCloseable {

	String name();

	/**
	 * Decisions on {@code keys} fresh buckets named after {@code run}: the returned
	 * predicate takes one permit from bucket {@code key} and says whether it was allowed.
	 * It is called by many threads at once.
	 */
	IntPredicate decider(String run, int keys);

	@Override
	default void close() throws Exception {
	}

}
