package dev.blueprint.platform.resilience;

import java.time.Duration;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.cassandra.autoconfigure.DriverConfigLoaderBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every service reconnects to a restarted Cassandra or Redis within seconds. The clients'
 * defaults back off to 60 s (Cassandra driver) and 30 s (Lettuce) between attempts, so a
 * short outage would cost up to a minute more than it lasted.
 */
@AutoConfiguration
public final class ReconnectionAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ CqlSession.class, DriverConfigLoaderBuilderCustomizer.class })
	static class CassandraReconnection {

		@Bean
		DriverConfigLoaderBuilderCustomizer fastCassandraReconnection() {
			return (builder) -> builder
				.withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(500))
				.withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(2));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ClientResources.class, ClientResourcesBuilderCustomizer.class })
	static class RedisReconnection {

		@Bean
		ClientResourcesBuilderCustomizer quickRedisReconnection() {
			return (resources) -> resources.reconnectDelay(Delay.constant(Duration.ofSeconds(1)));
		}

	}

}
