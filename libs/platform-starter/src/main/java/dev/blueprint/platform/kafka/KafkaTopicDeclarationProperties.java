package dev.blueprint.platform.kafka;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of {@link KafkaTopicDeclaration}.
 *
 * @param retryInterval how long to wait after an attempt to declare the topics failed
 */
@ConfigurationProperties("blueprint.kafka.topics")
public record KafkaTopicDeclarationProperties(@DefaultValue("10s") Duration retryInterval) {

}
