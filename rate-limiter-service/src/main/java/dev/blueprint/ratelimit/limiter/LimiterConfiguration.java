package dev.blueprint.ratelimit.limiter;

import java.time.Clock;
import java.time.Duration;

import dev.blueprint.ratelimit.RateLimiterProperties;
import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import dev.blueprint.ratelimit.redis.LazyRedisRateLimitStore;
import dev.blueprint.ratelimit.rules.Rules;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RateLimiterProperties.class)
class LimiterConfiguration {

	static final String BREAKER = "ratelimit-redis";

	@Bean
	LazyRedisRateLimitStore redisRateLimitStore(DataRedisProperties redis, RateLimiterProperties properties) {
		Duration timeout = properties.redisTimeout();
		if (redis.getCluster() != null && redis.getCluster().getNodes() != null
				&& !redis.getCluster().getNodes().isEmpty()) {
			return LazyRedisRateLimitStore.cluster(redis.getCluster().getNodes(), redis.getPassword(), timeout);
		}
		return LazyRedisRateLimitStore.standalone(redis.getHost(), redis.getPort(), redis.getPassword(),
				redis.getSsl().isEnabled(), timeout);
	}

	@Bean
	RateLimiter rateLimiter(Rules rules, LazyRedisRateLimitStore redis, RateLimiterProperties properties,
			CircuitBreakerRegistry breakers, MeterRegistry meters) {
		CircuitBreaker breaker = breakers.find(BREAKER)
			.orElseGet(() -> breakers.circuitBreaker(BREAKER, defaultBreakerConfig()));
		return new RateLimiter(rules, redis, new InMemoryRateLimitStore(Clock.systemUTC()), breaker, meters,
				properties.instances(), properties.maxSubjectLength());
	}

	@Bean
	RateLimiterHealthIndicator rateLimiterHealthIndicator(RateLimiter limiter) {
		return new RateLimiterHealthIndicator(limiter);
	}

	// Used when resilience4j.circuitbreaker.instances.ratelimit-redis is not configured.
	private static CircuitBreakerConfig defaultBreakerConfig() {
		return CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
			.slidingWindowSize(2)
			.minimumNumberOfCalls(5)
			.failureRateThreshold(50)
			.waitDurationInOpenState(Duration.ofSeconds(1))
			.permittedNumberOfCallsInHalfOpenState(3)
			.automaticTransitionFromOpenToHalfOpenEnabled(true)
			// Redis failing only: the stores throw a bug as another exception, so one
			// broken rule cannot open the breaker for every rule
			.recordExceptions(RateLimitStoreException.class)
			.build();
	}

}
