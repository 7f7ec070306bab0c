package dev.blueprint.platform.kafka;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Opens the Kafka producer at start-up for a service that names the topics it writes in
 * {@code blueprint.kafka.producer-warmup.topics} (nothing happens without them).
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnClass(ProducerFactory.class)
@ConditionalOnSingleCandidate(ProducerFactory.class)
@EnableConfigurationProperties(KafkaProducerWarmupProperties.class)
public final class KafkaProducerWarmupAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	KafkaProducerWarmup kafkaProducerWarmup(ProducerFactory<?, ?> producers, KafkaProducerWarmupProperties properties) {
		return new KafkaProducerWarmup(producers, properties.topics());
	}

}
