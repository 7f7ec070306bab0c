package dev.blueprint.ratelimit.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitHeaders;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import dev.blueprint.ratelimit.core.rules.FailurePolicy;
import dev.blueprint.ratelimit.core.rules.Fallback;
import dev.blueprint.ratelimit.core.rules.Rule;
import dev.blueprint.ratelimit.core.rules.RuleBook;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * Runs the service's own script against Redis from inside the application: the same keys,
 * so embedded clients and rate-limiter-service share limits. While Redis fails, each
 * rule's failure policy applies ({@code local} decides in this process at limit ÷
 * instances).
 * <p>
 * A Resilience4j circuit breaker ({@value #BREAKER}, configured as the service's) sits in
 * front of Redis: once half the calls of the last 2 s (at least 5) failed or timed out,
 * every decision takes its rule's policy at once for {@code openFor}, then three trial
 * calls decide whether it closes. A hung Redis then costs the decisions waiting when it
 * hung and those that open the breaker their timeout, and three trial calls per
 * {@code openFor}, not every request. What counts is Redis failing or answering with an
 * error ({@link RateLimitStoreException}), not a bug in this process.
 */
public class EmbeddedDecider implements RateLimitDecider {

	/** The breaker's name, as rate-limiter-service's. */
	public static final String BREAKER = "ratelimit-redis";

	private final RuleBook rules;

	private final RateLimitStore redis;

	private final Fallback fallback;

	private final CircuitBreakerRegistry breakers;

	private final CircuitBreaker breaker;

	/** A decider whose breaker stays open for a second. */
	public EmbeddedDecider(RuleBook rules, RateLimitStore redis, RateLimitStore local, int instances) {
		this(rules, redis, local, instances, Duration.ofSeconds(1));
	}

	/**
	 * @param rules the rules
	 * @param redis the Redis store
	 * @param local where the {@code local} policy decides
	 * @param instances instances of this application, for the {@code local} policy
	 * @param openFor how long the breaker stays open before trial calls
	 */
	public EmbeddedDecider(RuleBook rules, RateLimitStore redis, RateLimitStore local, int instances,
			Duration openFor) {
		this.rules = rules;
		this.redis = redis;
		this.fallback = new Fallback(local, instances);
		this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
			.slidingWindowSize(2)
			.minimumNumberOfCalls(5)
			.failureRateThreshold(50)
			.waitDurationInOpenState(openFor)
			.permittedNumberOfCallsInHalfOpenState(3)
			// the state meter shows half-open once openFor has passed, also without
			// traffic
			.automaticTransitionFromOpenToHalfOpenEnabled(true)
			.recordExceptions(RateLimitStoreException.class)
			.build());
		this.breaker = this.breakers.circuitBreaker(BREAKER);
	}

	/** The rules it decides by, for the start-up check of what names them. */
	public RuleBook rules() {
		return this.rules;
	}

	/** The breaker in front of Redis. */
	public CircuitBreaker circuitBreaker() {
		return this.breaker;
	}

	/** The registry holding it, for binding its metrics. */
	public CircuitBreakerRegistry circuitBreakers() {
		return this.breakers;
	}

	@Override
	public Verdict decide(String ruleName, String subject, long cost, String authorization) {
		Rule rule = this.rules.byName(ruleName)
			.orElseThrow(() -> new IllegalStateException(
					"No rate-limit rule '" + ruleName + "' under blueprint.ratelimit.client.rules"));
		List<Limit> limits = rule.limitsFor(subject);
		String bucket = RateLimitKeys.bucket(rule.name(), subject);
		Decision decision;
		boolean unmetered = false;
		try {
			decision = this.breaker.executeSupplier(() -> this.redis.acquire(bucket, limits, cost));
		}
		catch (CallNotPermittedException | RateLimitStoreException ex) {
			// fail-closed: retry once the breaker tries Redis again
			long retry = Math.max(1000,
					this.breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
			decision = this.fallback.decide(rule, bucket, limits, cost, retry);
			unmetered = rule.failurePolicy() == FailurePolicy.FAIL_OPEN;
		}
		boolean allowed = decision.allowed() || rule.shadow();
		long retry = allowed ? 0 : Math.max(1, RateLimitHeaders.seconds(decision.retryAfterMillis()));
		// A fail-open admission counted nothing: its headers would promise a full quota.
		return new Verdict(allowed, rule.name(), retry,
				unmetered ? Map.of() : RateLimitHeaders.of(rule.name(), decision, allowed));
	}

}
