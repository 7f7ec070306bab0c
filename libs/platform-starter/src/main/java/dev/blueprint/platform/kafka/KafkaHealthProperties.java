package dev.blueprint.platform.kafka;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the {@code kafka} health indicator.
 *
 * @param timeout how long one health check waits for the broker before reporting DOWN
 */
@ConfigurationProperties("blueprint.kafka.health")
public record KafkaHealthProperties(@DefaultValue("2s") Duration timeout) {

}
