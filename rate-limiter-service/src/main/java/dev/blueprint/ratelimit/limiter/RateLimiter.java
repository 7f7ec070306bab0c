package dev.blueprint.ratelimit.limiter;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import dev.blueprint.ratelimit.core.rules.Fallback;
import dev.blueprint.ratelimit.core.rules.Rule;
import dev.blueprint.ratelimit.core.rules.RuleBook;
import dev.blueprint.ratelimit.rules.Rules;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Takes rate-limit decisions: finds the rule, validates the request, asks Redis through a
 * circuit breaker, and when Redis fails (or the breaker is open, so no request waits on a
 * timeout) applies the rule's failure policy. Shadow rules are decided and counted but
 * never deny.
 */
public class RateLimiter {

	private final Rules rules;

	/** The meters tagged with the rule that decided. */
	static final List<String> RULE_METERS = List.of("blueprint.ratelimit.latency", "blueprint.ratelimit.decisions");

	/**
	 * Redis round trips on one host take ~1 ms; the top buckets catch a struggling Redis.
	 */
	private static final Duration[] LATENCY_SLO = { Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
			Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100) };

	private final RateLimitStore redis;

	private final Fallback fallback;

	private final CircuitBreaker breaker;

	private final MeterRegistry meters;

	private final int maxSubjectLength;

	/**
	 * When (nanoTime) the last call to Redis failed, if the last call failed; 0 once one
	 * succeeds.
	 */
	private volatile long lastStoreCallFailedAt;

	/** How long a failed call to Redis alone keeps decisions reported as degraded. */
	static final Duration FAILED_CALL_SHOWS_FOR = Duration.ofSeconds(30);

	public RateLimiter(Rules rules, RateLimitStore redis, RateLimitStore local, CircuitBreaker breaker,
			MeterRegistry meters, int instances, int maxSubjectLength) {
		this.rules = rules;
		this.redis = redis;
		this.fallback = new Fallback(local, instances);
		this.breaker = breaker;
		this.meters = meters;
		this.maxSubjectLength = maxSubjectLength;
		Gauge.builder("blueprint.ratelimit.fallback.active", this, (limiter) -> limiter.degraded() ? 1 : 0)
			.description(
					"1 while decisions bypass Redis (circuit breaker not closed) and follow each rule's failure policy")
			.register(meters);
		rules.onChange(this::forgetMetersOfRemovedRules);
	}

	/**
	 * Removes the meters of rules no longer in force (removed or renamed at runtime):
	 * until 2026-12-07 their series stayed on every instance, frozen at their last value,
	 * until it restarted. A decision taken by the removed rule while the rules change
	 * removes them again after registering them ({@link #decide}).
	 */
	void forgetMetersOfRemovedRules() {
		RuleBook book = this.rules.current();
		for (String name : RULE_METERS) {
			for (Meter meter : this.meters.find(name).meters()) {
				String rule = meter.getId().getTag("rule");
				if (rule != null && book.byName(rule).isEmpty()) {
					this.meters.remove(meter);
				}
			}
		}
	}

	/**
	 * Decides one request: {@link #prepare} then {@link #decide}.
	 * @throws InvalidCheckException naming the field that is wrong
	 */
	public CheckOutcome check(String ruleName, String api, String subject, Long cost) {
		return decide(prepare(ruleName, api, subject, cost));
	}

	/**
	 * Validates a request without deciding it.
	 * @param ruleName the rule's name, or {@code null} when {@code api} is given
	 * @param api the route or operation a rule answers to, or {@code null}
	 * @param subject who is limited (user, IP, API key, ...)
	 * @param cost permits the request takes; {@code null} means 1
	 * @return the validated request
	 * @throws InvalidCheckException naming the field that is wrong
	 */
	public Prepared prepare(String ruleName, String api, String subject, Long cost) {
		Rule rule = rule(ruleName, api);
		if (subject == null || subject.isEmpty()) {
			throw new InvalidCheckException("subject", "subject is required");
		}
		if (subject.length() > this.maxSubjectLength) {
			throw new InvalidCheckException("subject",
					"subject must be at most " + this.maxSubjectLength + " characters, was " + subject.length());
		}
		long permits = (cost != null) ? cost : 1;
		long maxCost = rule.maxCost(subject);
		if (permits < 1 || permits > maxCost) {
			throw new InvalidCheckException("cost", "cost must be between 1 and " + maxCost + " (the capacity of rule '"
					+ rule.name() + "'), was " + permits);
		}
		return new Prepared(rule, subject, permits);
	}

	/** Decides a validated request: Redis, or the rule's failure policy. */
	public CheckOutcome decide(Prepared request) {
		Rule rule = request.rule();
		long permits = request.cost();
		List<Limit> limits = rule.limitsFor(request.subject());
		String bucket = RateLimitKeys.bucket(rule.name(), request.subject());
		long start = System.nanoTime();
		CheckOutcome outcome;
		try {
			Decision decision = this.breaker.executeSupplier(() -> this.redis.acquire(bucket, limits, permits));
			this.lastStoreCallFailedAt = 0;
			outcome = new CheckOutcome(rule, decision, decision.allowed() || rule.shadow(),
					rule.shadow() && !decision.allowed(), false);
		}
		catch (CallNotPermittedException | RateLimitStoreException ex) {
			if (ex instanceof RateLimitStoreException) {
				this.lastStoreCallFailedAt = Math.max(1, System.nanoTime());
			}
			// fail-closed: retry once the breaker tries Redis again
			long retry = Math.max(1000,
					this.breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
			Decision decision = this.fallback.decide(rule, bucket, limits, permits, retry);
			outcome = new CheckOutcome(rule, decision, decision.allowed() || rule.shadow(),
					rule.shadow() && !decision.allowed(), true);
		}
		Timer.builder("blueprint.ratelimit.latency")
			.description("Time to take a rate-limit decision")
			.tag("rule", rule.name())
			.tag("outcome", outcome.fallback() ? "fallback" : "redis")
			.serviceLevelObjectives(LATENCY_SLO)
			.register(this.meters)
			.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
		Counter.builder("blueprint.ratelimit.decisions")
			.description("Rate-limit decisions by rule and outcome")
			.tag("rule", rule.name())
			.tag("outcome", outcome.metricOutcome())
			.register(this.meters)
			.increment();
		if (this.rules.current().byName(rule.name()).isEmpty()) {
			// the rules changed while this decision was taken, and their change may have
			// removed the meters before they were registered above
			forgetMetersOfRemovedRules();
		}
		return outcome;
	}

	/**
	 * Whether decisions currently bypass Redis: the circuit breaker is not closed, or the
	 * last call to Redis failed, within the last 30 s. The breaker needs five calls in 2
	 * s to open, so at low traffic it stayed closed while every decision fell back, and
	 * health and the fallback gauge said Redis decided (until 2026-12-06). The 30 s keep
	 * one failure on an instance that then sees no traffic from showing degraded for
	 * good.
	 */
	public boolean degraded() {
		long failedAt = this.lastStoreCallFailedAt;
		return this.breaker.getState() != CircuitBreaker.State.CLOSED
				|| (failedAt != 0 && System.nanoTime() - failedAt < FAILED_CALL_SHOWS_FOR.toNanos());
	}

	public CircuitBreaker.State breakerState() {
		return this.breaker.getState();
	}

	private Rule rule(String ruleName, String api) {
		RuleBook book = this.rules.current();
		if (ruleName != null && !ruleName.isEmpty() && api != null && !api.isEmpty()) {
			// one of them was ignored, and the two may name different rules
			throw new InvalidCheckException("api", "rule and api name a rule both: give one");
		}
		if (ruleName != null && !ruleName.isEmpty()) {
			return book.byName(ruleName)
				.orElseThrow(() -> new InvalidCheckException("rule", "unknown rule '" + ruleName + "'"));
		}
		if (api != null && !api.isEmpty()) {
			return book.byApi(api).orElseThrow(() -> new InvalidCheckException("api", "no rule for api '" + api + "'"));
		}
		throw new InvalidCheckException("rule", "rule or api is required");
	}

	/**
	 * A validated request.
	 *
	 * @param rule the rule
	 * @param subject the subject
	 * @param cost the permits it takes
	 */
	public record Prepared(Rule rule, String subject, long cost) {

	}

}
