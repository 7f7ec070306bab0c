package dev.blueprint.platform.kafka;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of {@link KafkaTopicDeclaration}.
 *
 * @param retryInterval how long to wait after the first failed attempt to declare the
 * topics; the wait doubles after each further failure
 * @param maxRetryInterval the longest wait between two attempts
 */
@ConfigurationProperties("blueprint.kafka.topics")
public record KafkaTopicDeclarationProperties(@DefaultValue("10s") Duration retryInterval,
		@DefaultValue("1m") Duration maxRetryInterval) {

}
