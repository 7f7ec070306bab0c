package dev.blueprint.ratelimit.limiter;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.RateLimiterProperties;
import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import dev.blueprint.ratelimit.redis.LazyRedisRateLimitStore;
import dev.blueprint.ratelimit.redis.RedisClientFactory;
import dev.blueprint.ratelimit.rules.Rules;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RateLimiterProperties.class)
class LimiterConfiguration {

	static final String BREAKER = "ratelimit-redis";

	@Bean
	LazyRedisRateLimitStore redisRateLimitStore(DataRedisProperties redis, RateLimiterProperties properties) {
		return LazyRedisRateLimitStore.of(clientFactory(redis, properties.redisTimeout()));
	}

	/**
	 * The client from Boot's {@code spring.data.redis.*} as Boot reads them: cluster
	 * nodes win over a URL, which wins over host and port; username, password and SSL
	 * apply to every node, {@code database} to host and port (a URL names its own).
	 * Sentinel is refused at start-up: this client would have connected to
	 * {@code spring.data.redis.host} instead, and failed every decision over to the
	 * rules' failure policies while the rule store, on Boot's connection, worked.
	 */
	static RedisClientFactory clientFactory(DataRedisProperties redis, Duration timeout) {
		if (redis.getSentinel() != null && StringUtils.hasLength(redis.getSentinel().getMaster())) {
			throw new IllegalStateException("spring.data.redis.sentinel.* is not supported by the rate limiter's "
					+ "Redis client: set spring.data.redis.cluster.nodes, url, or host and port");
		}
		boolean ssl = redis.getSsl().isEnabled();
		List<String> nodes = (redis.getCluster() != null && redis.getCluster().getNodes() != null)
				? redis.getCluster().getNodes().stream().map(String::trim).filter(StringUtils::hasLength).toList()
				: List.of();
		if (!nodes.isEmpty()) {
			List<RedisURI> seeds = nodes.stream().map((node) -> {
				try {
					return RedisClientFactory.node(node, redis.getUsername(), redis.getPassword(), ssl, timeout);
				}
				catch (IllegalArgumentException ex) {
					throw new IllegalStateException("spring.data.redis.cluster.nodes: " + ex.getMessage(), ex);
				}
			}).toList();
			// Boot 4 has no adaptive-refresh setting: on, so a failover is followed at
			// the
			// first MOVED, ASK or reconnect, not at the next period
			return RedisClientFactory.cluster(seeds, timeout, redis.getLettuce().getCluster().getRefresh().getPeriod(),
					true);
		}
		if (StringUtils.hasLength(redis.getUrl())) {
			return RedisClientFactory.standalone(RedisClientFactory.url(redis.getUrl(), ssl, timeout), timeout);
		}
		RedisURI uri = RedisClientFactory.uri(redis.getHost(), redis.getPort(), redis.getUsername(),
				redis.getPassword(), ssl, timeout);
		uri.setDatabase(redis.getDatabase());
		return RedisClientFactory.standalone(uri, timeout);
	}

	/**
	 * The local fallback's buckets. Swept every minute on a timer as well: once Redis is
	 * back no decision reaches it, and until 2026-12-07 an outage's buckets stayed until
	 * the next outage. Closed (the timer stopped) with the context.
	 */
	@Bean
	InMemoryRateLimitStore fallbackRateLimitStore() {
		return new InMemoryRateLimitStore(Clock.systemUTC()).sweepEvery(FALLBACK_SWEEP);
	}

	static final Duration FALLBACK_SWEEP = Duration.ofMinutes(1);

	@Bean
	RateLimiter rateLimiter(Rules rules, LazyRedisRateLimitStore redis, InMemoryRateLimitStore fallback,
			RateLimiterProperties properties, CircuitBreakerRegistry breakers, MeterRegistry meters) {
		CircuitBreaker breaker = breakers.find(BREAKER)
			.orElseGet(() -> breakers.circuitBreaker(BREAKER, defaultBreakerConfig()));
		return new RateLimiter(rules, redis, fallback, breaker, meters, properties.instances(),
				properties.maxSubjectLength());
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
