package dev.blueprint.ratelimit.client;

import java.util.List;

import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.LimitOutcome;
import dev.blueprint.ratelimit.core.RateLimitHeaders;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import dev.blueprint.ratelimit.core.rules.Rule;
import dev.blueprint.ratelimit.core.rules.RuleBook;

/**
 * Runs the service's own script against Redis from inside the application: the same keys,
 * so embedded clients and rate-limiter-service share limits. While Redis fails, each
 * rule's failure policy applies ({@code local} decides in this process at limit ÷
 * instances).
 */
public class EmbeddedDecider implements RateLimitDecider {

	private final RuleBook rules;

	private final RateLimitStore redis;

	private final RateLimitStore local;

	private final int instances;

	public EmbeddedDecider(RuleBook rules, RateLimitStore redis, RateLimitStore local, int instances) {
		this.rules = rules;
		this.redis = redis;
		this.local = local;
		this.instances = instances;
	}

	/** The rules it decides by, for the start-up check of what names them. */
	public RuleBook rules() {
		return this.rules;
	}

	@Override
	public Verdict decide(String ruleName, String subject, long cost, String authorization) {
		Rule rule = this.rules.byName(ruleName)
			.orElseThrow(() -> new IllegalStateException(
					"No rate-limit rule '" + ruleName + "' under blueprint.ratelimit.client.rules"));
		List<Limit> limits = rule.limitsFor(subject);
		String bucket = RateLimitKeys.bucket(rule.name(), subject);
		Decision decision;
		try {
			decision = this.redis.acquire(bucket, limits, cost);
		}
		catch (RateLimitStoreException ex) {
			decision = fallback(rule, bucket, limits, cost);
		}
		boolean allowed = decision.allowed() || rule.shadow();
		long retry = allowed ? 0 : Math.max(1, RateLimitHeaders.seconds(decision.retryAfterMillis()));
		return new Verdict(allowed, rule.name(), retry, RateLimitHeaders.of(rule.name(), decision, allowed));
	}

	// Each instance gets limit ÷ instances, so together they stay near the global limit.
	private Decision localDecision(String bucket, List<Limit> limits, long cost) {
		List<Limit> shares = limits.stream()
			.map((limit) -> new Limit(limit.algorithm(), Math.max(1, limit.permits() / this.instances), limit.window(),
					Math.max(1, limit.burst() / this.instances)))
			.toList();
		if (cost > shares.stream().mapToLong(Limit::maxCost).min().orElse(1)) {
			return new Decision(false, shares.stream()
				.map((limit) -> new LimitOutcome(limit, false, 0, limit.window().toMillis(), limit.window().toMillis()))
				.toList());
		}
		return this.local.acquire(bucket, shares, cost);
	}

	private Decision fallback(Rule rule, String bucket, List<Limit> limits, long cost) {
		return switch (rule.failurePolicy()) {
			case FAIL_OPEN -> new Decision(true,
					limits.stream().map((limit) -> new LimitOutcome(limit, true, limit.capacity(), 0, 0)).toList());
			case FAIL_CLOSED -> new Decision(false,
					limits.stream().map((limit) -> new LimitOutcome(limit, false, 0, 1000, 1000)).toList());
			case LOCAL -> localDecision(bucket, limits, cost);
		};
	}

}
