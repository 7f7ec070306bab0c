package dev.blueprint.platform.kafka;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the producer warm-up at start-up ({@link KafkaProducerWarmup}).
 *
 * @param topics the topics the service writes, whose metadata the producer fetches at
 * start-up; none (the default) turns the warm-up off
 */
@ConfigurationProperties("blueprint.kafka.producer-warmup")
public record KafkaProducerWarmupProperties(@DefaultValue List<String> topics) {

}
