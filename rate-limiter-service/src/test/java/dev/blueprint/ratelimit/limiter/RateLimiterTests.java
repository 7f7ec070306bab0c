package dev.blueprint.ratelimit.limiter;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import dev.blueprint.ratelimit.core.rules.LimitSpec;
import dev.blueprint.ratelimit.core.rules.OverrideSpec;
import dev.blueprint.ratelimit.core.rules.RuleSpec;
import dev.blueprint.ratelimit.rules.Rules;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTests {

	private final Rules rules = new Rules(List.of(rule("fixed", "fixed-window", null, false, 3),
			new RuleSpec("vip", "GET /vip", "fixed-window", List.of(new LimitSpec(1L, "hour", null, null)),
					List.of(new OverrideSpec("gold", List.of(new LimitSpec(5L, "hour", null, null)))), null, null),
			rule("shadowed", "fixed-window", null, true, 1), rule("open", "fixed-window", "fail-open", false, 2),
			rule("closed", "fixed-window", "fail-closed", false, 2), rule("local", "fixed-window", "local", false, 4)));

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final AtomicInteger redisCalls = new AtomicInteger();

	private boolean redisDown;

	private final InMemoryRateLimitStore healthyRedis = new InMemoryRateLimitStore(Clock.systemUTC());

	private final RateLimitStore redis = (bucket, limits, cost) -> {
		this.redisCalls.incrementAndGet();
		if (this.redisDown) {
			throw new RateLimitStoreException("connection refused", null);
		}
		return this.healthyRedis.acquire(bucket, limits, cost);
	};

	private final CircuitBreaker breaker = CircuitBreaker.of("test",
			CircuitBreakerConfig.custom()
				.slidingWindowSize(10)
				.minimumNumberOfCalls(5)
				.failureRateThreshold(50)
				.waitDurationInOpenState(Duration.ofSeconds(30))
				.recordExceptions(RateLimitStoreException.class)
				.build());

	private final RateLimiter limiter = new RateLimiter(this.rules, this.redis,
			new InMemoryRateLimitStore(Clock.systemUTC()), this.breaker, this.meters, 2, 256);

	private static RuleSpec rule(String name, String algorithm, String policy, boolean shadow, long limit) {
		return new RuleSpec(name, null, algorithm, List.of(new LimitSpec(limit, "hour", null, null)), null, shadow,
				policy);
	}

	@Test
	void decidesByRuleNameOrApi() {
		assertThat(this.limiter.check("vip", null, "alice", null).allowed()).isTrue();
		assertThat(this.limiter.check(null, "GET /vip", "alice", null).allowed()).isFalse();
		assertThat(this.limiter.check(null, "GET /vip", "gold", 5L).allowed()).as("override").isTrue();
	}

	@Test
	void namesTheFieldOfABadRequest() {
		assertInvalid(() -> this.limiter.check("nope", null, "alice", null), "rule", "unknown rule 'nope'");
		assertInvalid(() -> this.limiter.check(null, "GET /nope", "alice", null), "api", "no rule for api 'GET /nope'");
		assertInvalid(() -> this.limiter.check(null, null, "alice", null), "rule", "rule or api is required");
		assertInvalid(() -> this.limiter.check("fixed", "GET /vip", "alice", null), "api",
				"rule and api name a rule both: give one");
		assertInvalid(() -> this.limiter.check("fixed", null, null, null), "subject", "subject is required");
		assertInvalid(() -> this.limiter.check("fixed", null, "x".repeat(257), null), "subject",
				"subject must be at most 256 characters, was 257");
		assertInvalid(() -> this.limiter.check("fixed", null, "alice", 0L), "cost",
				"cost must be between 1 and 3 (the capacity of rule 'fixed'), was 0");
		assertInvalid(() -> this.limiter.check("fixed", null, "alice", 4L), "cost",
				"cost must be between 1 and 3 (the capacity of rule 'fixed'), was 4");
		assertThat(this.limiter.check("fixed", null, "x".repeat(256), 3L).allowed()).isTrue();
	}

	@Test
	void shadowRulesReportButNeverDeny() {
		assertThat(this.limiter.check("shadowed", null, "alice", null).shadowDenied()).isFalse();
		CheckOutcome outcome = this.limiter.check("shadowed", null, "alice", null);
		assertThat(outcome.allowed()).isTrue();
		assertThat(outcome.shadowDenied()).isTrue();
		assertThat(outcome.decision().allowed()).isFalse();
		assertThat(count("shadowed", "shadow_denied")).isEqualTo(1);
		assertThat(count("shadowed", "allowed")).isEqualTo(1);
	}

	@Test
	void eachRuleFollowsItsFailurePolicyWhileRedisIsDown() {
		this.redisDown = true;
		for (int i = 0; i < 3; i++) {
			CheckOutcome open = this.limiter.check("open", null, "alice", null);
			assertThat(open.allowed()).isTrue();
			assertThat(open.fallback()).isTrue();
			CheckOutcome closed = this.limiter.check("closed", null, "alice", null);
			assertThat(closed.allowed()).isFalse();
			assertThat(closed.decision().retryAfterMillis()).isPositive();
		}
		// limit 4 over 2 instances: 2 here
		assertThat(this.limiter.check("local", null, "alice", null).allowed()).isTrue();
		assertThat(this.limiter.check("local", null, "alice", null).allowed()).isTrue();
		assertThat(this.limiter.check("local", null, "alice", null).allowed()).isFalse();
		assertThat(count("open", "fallback_allowed")).isEqualTo(3);
		assertThat(count("closed", "fallback_denied")).isEqualTo(3);
		assertThat(count("local", "fallback_allowed")).isEqualTo(2);
	}

	@Test
	void aFallbackShowsAsDegradedBeforeTheBreakerOpensAndClearsOnceRedisAnswers() {
		this.redisDown = true;
		assertThat(this.limiter.check("open", null, "alice", null).fallback()).isTrue();
		assertThat(this.breaker.getState()).as("one failure: too few calls to open")
			.isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(this.limiter.degraded()).isTrue();
		assertThat(fallbackActive()).isEqualTo(1);
		this.redisDown = false;
		assertThat(this.limiter.check("open", null, "alice", null).fallback()).isFalse();
		assertThat(this.limiter.degraded()).isFalse();
		assertThat(fallbackActive()).isZero();
	}

	@Test
	void anOpenBreakerStopsCallingRedis() {
		assertThat(fallbackActive()).isZero();
		this.redisDown = true;
		for (int i = 0; i < 20; i++) {
			this.limiter.check("open", null, "alice", null);
		}
		assertThat(this.limiter.degraded()).isTrue();
		assertThat(fallbackActive()).isEqualTo(1);
		assertThat(this.redisCalls.get()).isLessThanOrEqualTo(10);
	}

	@Test
	void decisionLatencyHasSloBucketsForTheDashboards() {
		this.limiter.check("fixed", null, "alice", null);
		var latency = this.meters.find("blueprint.ratelimit.latency")
			.tag("rule", "fixed")
			.tag("outcome", "redis")
			.timer();
		assertThat(latency).isNotNull();
		assertThat(latency.takeSnapshot().histogramCounts())
			.extracting((bucket) -> bucket.bucket(TimeUnit.MILLISECONDS))
			.containsExactly(1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0);
	}

	private double fallbackActive() {
		return this.meters.get("blueprint.ratelimit.fallback.active").gauge().value();
	}

	private double count(String rule, String outcome) {
		var counter = this.meters.find("blueprint.ratelimit.decisions")
			.tag("rule", rule)
			.tag("outcome", outcome)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static void assertInvalid(Runnable check, String field, String message) {
		assertThatThrownBy(check::run)
			.isInstanceOfSatisfying(InvalidCheckException.class, (ex) -> assertThat(ex.field()).isEqualTo(field))
			.hasMessage(message);
	}

}
