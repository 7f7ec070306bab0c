package dev.blueprint.platform.kafka;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the {@code kafka} health indicator.
 *
 * @param timeout how long one health check waits for the broker before reporting DOWN; 1
 * ms to 1 minute
 */
@ConfigurationProperties("blueprint.kafka.health")
public record KafkaHealthProperties(@DefaultValue("2s") Duration timeout) {

	static final Duration MAX = Duration.ofMinutes(1);

	public KafkaHealthProperties {
		if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(MAX) > 0) {
			throw new IllegalArgumentException(
					"blueprint.kafka.health.timeout must be from 1ms to " + MAX + ", was " + timeout);
		}
	}

}
