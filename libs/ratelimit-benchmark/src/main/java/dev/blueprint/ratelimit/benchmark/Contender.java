package dev.blueprint.ratelimit.benchmark;

import java.util.function.BiFunction;
import java.util.function.IntPredicate;

/**
 * One way of taking rate-limit decisions, measured by {@link RateLimitBenchmark}.
 *
 * @param name how the tables call it
 * @param deciders given a run's name and a number of keys, decisions on that many fresh
 * buckets: the predicate takes one permit from bucket {@code key} and says whether it was
 * allowed; it is called by many threads at once
 * @param resource closed with the contender, or null
 */
record Contender(String name, BiFunction<String, Integer, IntPredicate> deciders,
		AutoCloseable resource) implements AutoCloseable {

	IntPredicate decider(String run, int keys) {
		return this.deciders.apply(run, keys);
	}

	@Override
	public void close() throws Exception {
		if (this.resource != null) {
			this.resource.close();
		}
	}

}
