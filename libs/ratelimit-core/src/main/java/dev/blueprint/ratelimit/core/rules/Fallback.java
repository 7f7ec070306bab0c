package dev.blueprint.ratelimit.core.rules;

import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.LimitOutcome;
import dev.blueprint.ratelimit.core.RateLimitStore;

/**
 * What a rule decides while Redis cannot (its {@link FailurePolicy}), the same in
 * rate-limiter-service and the client starter's embedded mode: {@code fail-open} admits,
 * {@code fail-closed} denies with a retry after {@code closedRetryMillis}, and
 * {@code local} decides in this process with each limit divided by the number of
 * instances, so the instances together stay near the global limit.
 */
public final class Fallback {

	private final RateLimitStore local;

	private final int instances;

	/**
	 * @param local where {@code local} decides (an in-memory store)
	 * @param instances how many instances share the limits (at least 1)
	 */
	public Fallback(RateLimitStore local, int instances) {
		if (instances < 1) {
			throw new IllegalArgumentException("instances must be at least 1, was " + instances);
		}
		this.local = local;
		this.instances = instances;
	}

	/**
	 * @param rule the rule
	 * @param bucket the bucket ({@code RateLimitKeys.bucket})
	 * @param limits the rule's limits for the subject
	 * @param cost the permits asked for
	 * @param closedRetryMillis the retry a {@code fail-closed} denial advertises (and a
	 * {@code local} one of a cost no share can grant)
	 * @return the decision
	 */
	public Decision decide(Rule rule, String bucket, List<Limit> limits, long cost, long closedRetryMillis) {
		return switch (rule.failurePolicy()) {
			case FAIL_OPEN -> new Decision(true,
					limits.stream().map((limit) -> new LimitOutcome(limit, true, limit.capacity(), 0, 0)).toList());
			case FAIL_CLOSED -> new Decision(false,
					limits.stream()
						.map((limit) -> new LimitOutcome(limit, false, 0, closedRetryMillis, closedRetryMillis))
						.toList());
			case LOCAL -> local(bucket, limits, cost, closedRetryMillis);
		};
	}

	private Decision local(String bucket, List<Limit> limits, long cost, long closedRetryMillis) {
		List<Limit> shares = limits.stream().map(this::share).toList();
		// A cost no share can grant is denied without asking the store, until the breaker
		// may try Redis again: waiting a whole window (an hour for an hourly limit) would
		// not help while Redis is down, and Redis may be back sooner.
		if (cost > shares.stream().mapToLong(Limit::maxCost).min().orElse(1)) {
			return new Decision(false,
					shares.stream()
						.map((limit) -> new LimitOutcome(limit, false, 0, closedRetryMillis, closedRetryMillis))
						.toList());
		}
		return this.local.acquire(bucket, shares, cost);
	}

	/**
	 * This instance's share of {@code limit}: its permits (and a token bucket's burst)
	 * divided by the instances. A limit with fewer permits than instances keeps one
	 * permit over a window as many times longer: 1 a minute over 5 instances is 1 every 5
	 * minutes here, not 1 a minute (5 a minute together).
	 */
	Limit share(Limit limit) {
		long permits = limit.permits() / this.instances;
		Duration window = limit.window();
		if (permits < 1) {
			permits = 1;
			window = window.multipliedBy(this.instances).dividedBy(limit.permits());
			if (window.compareTo(Limit.MAX_WINDOW) > 0) {
				window = Limit.MAX_WINDOW;
			}
		}
		long burst = (limit.algorithm() == Algorithm.TOKEN_BUCKET) ? Math.max(1, limit.burst() / this.instances)
				: permits;
		return new Limit(limit.algorithm(), permits, window, burst);
	}

}
