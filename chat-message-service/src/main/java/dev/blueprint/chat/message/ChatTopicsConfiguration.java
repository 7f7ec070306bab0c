package dev.blueprint.chat.message;

import java.time.Duration;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.KeyedTopics;
import dev.blueprint.platform.kafka.TopicDeclarer;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The chat topics. The two keyed by conversation are created and checked by
 * {@link KeyedTopics}, never declared to {@link KafkaAdmin}, which would grow them to a
 * higher setting (moving conversations between partitions): while the context starts
 * (another count than the existing topics' stops the start) and, when Kafka did not
 * answer then, by the platform's retried topic declaration (as a {@link TopicDeclarer};
 * another count then keeps {@code blueprint.kafka.topics.declared} at 0 and is logged at
 * each attempt). Their dead-letter topics are plain declarations.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ChatMessageProperties.class)
class ChatTopicsConfiguration {

	/** The dead-letter topics, created at start-up when missing. */
	@Bean
	KafkaAdmin.NewTopics chatDeadLetterTopics(ChatMessageProperties properties) {
		short replication = properties.topics().replication();
		return new KafkaAdmin.NewTopics(
				TopicBuilder.name(ChatTopics.deadLetter(ChatTopics.SUBMITTED))
					.partitions(1)
					.replicas(replication)
					.build(),
				TopicBuilder.name(ChatTopics.deadLetter(ChatTopics.EVENTS))
					.partitions(1)
					.replicas(replication)
					.build());
	}

	@Bean
	KeyedTopics keyedTopics(KafkaAdmin admin, ChatMessageProperties properties) {
		KeyedTopics keyed = new KeyedTopics(admin.getConfigurationProperties(), properties.topics().partitions(),
				properties.topics().replication(), Duration.ofSeconds(admin.getOperationTimeout()),
				ChatTopics.SUBMITTED, ChatTopics.EVENTS);
		keyed.ensure();
		return keyed;
	}

	@Bean
	TopicDeclarer keyedTopicsDeclarer(KeyedTopics keyed) {
		return keyed::ensure;
	}

}
