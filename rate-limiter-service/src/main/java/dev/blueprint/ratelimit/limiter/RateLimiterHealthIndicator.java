package dev.blueprint.ratelimit.limiter;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code rateLimiter} health component: UP while decisions are taken in Redis,
 * DEGRADED (HTTP 200) while rules' failure policies decide: the circuit breaker keeps
 * Redis out, or the last call to Redis failed ({@link RateLimiter#degraded()}).
 */
class RateLimiterHealthIndicator implements HealthIndicator {

	static final Status DEGRADED = new Status("DEGRADED", "Redis unreachable: rules decide by their failure policy");

	private final RateLimiter limiter;

	RateLimiterHealthIndicator(RateLimiter limiter) {
		this.limiter = limiter;
	}

	@Override
	public Health health() {
		// read once: the status and the details describe the same moment
		boolean degraded = this.limiter.degraded();
		Health.Builder builder = degraded ? Health.status(DEGRADED) : Health.up();
		return builder.withDetail("circuitBreaker", this.limiter.breakerState().name())
			.withDetail("decidedBy", degraded ? "failure policies" : "redis")
			.build();
	}

}
