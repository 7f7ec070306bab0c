package dev.blueprint.shortener.health;

import java.time.Duration;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Health of Redis and Cassandra as this service experiences them. The service keeps
 * redirecting when either is down (from Cassandra, or from the caches), so a failed
 * server makes its component {@code DEGRADED} (HTTP 200, still ready) rather than
 * {@code DOWN}: taking every instance out of the load balancer would turn a partial
 * outage into a full one. Beans named like Spring Boot's indicators replace them.
 */
@Configuration(proxyBeanMethods = false)
class DependencyHealthIndicators {

	/** A dependency failed and the service runs in a stated degraded mode. */
	static final Status DEGRADED = new Status("DEGRADED");

	private static final Duration CASSANDRA_PROBE_TIMEOUT = Duration.ofSeconds(2);

	@Bean
	HealthIndicator redisHealthIndicator(RedisConnectionFactory connectionFactory, CircuitBreakerRegistry breakers) {
		return () -> {
			String breaker = breakers.circuitBreaker("redis").getState().name();
			try (RedisConnection connection = connectionFactory.getConnection()) {
				connection.ping();
				return Health.up().withDetail("circuitBreaker", breaker).build();
			}
			catch (RuntimeException ex) {
				return Health.status(DEGRADED)
					.withDetail("circuitBreaker", breaker)
					.withDetail("error", String.valueOf(ex.getMessage()))
					.withDetail("impact", "redirects are served from Cassandra and the in-JVM cache")
					.build();
			}
		};
	}

	@Bean
	HealthIndicator cassandraHealthIndicator(CqlSession session, CircuitBreakerRegistry breakers) {
		SimpleStatement probe = SimpleStatement.newInstance("SELECT release_version FROM system.local")
			.setTimeout(CASSANDRA_PROBE_TIMEOUT);
		return () -> {
			String breaker = breakers.circuitBreaker("cassandra").getState().name();
			try {
				String version = session.execute(probe).one().getString("release_version");
				return Health.up().withDetail("version", version).withDetail("circuitBreaker", breaker).build();
			}
			catch (RuntimeException ex) {
				return Health.status(DEGRADED)
					.withDetail("circuitBreaker", breaker)
					.withDetail("error", String.valueOf(ex.getMessage()))
					.withDetail("impact", "cached redirects work; creates, deletes and uncached redirects answer 503")
					.build();
			}
		};
	}

}
