package dev.blueprint.chat.message;

import java.time.Duration;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.KeyedTopics;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The chat topics: declared for {@link KafkaAdmin} to create when missing, and the two
 * keyed by conversation checked first, so that a partition count other than theirs stops
 * the start instead of growing them ({@link KeyedTopics}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ChatMessageProperties.class)
class ChatTopicsConfiguration {

	/** The chat topics and their dead-letter topics, created at start-up when missing. */
	@Bean
	KafkaAdmin.NewTopics chatTopics(ChatMessageProperties properties) {
		int partitions = properties.topics().partitions();
		short replication = properties.topics().replication();
		return new KafkaAdmin.NewTopics(
				TopicBuilder.name(ChatTopics.SUBMITTED).partitions(partitions).replicas(replication).build(),
				TopicBuilder.name(ChatTopics.EVENTS).partitions(partitions).replicas(replication).build(),
				TopicBuilder.name(ChatTopics.deadLetter(ChatTopics.SUBMITTED))
					.partitions(1)
					.replicas(replication)
					.build(),
				TopicBuilder.name(ChatTopics.deadLetter(ChatTopics.EVENTS))
					.partitions(1)
					.replicas(replication)
					.build());
	}

	/**
	 * Built with the other singletons, before {@link KafkaAdmin} creates or grows topics
	 * (once every singleton exists).
	 */
	@Bean
	KeyedTopics keyedTopics(KafkaAdmin admin, ChatMessageProperties properties) {
		return KeyedTopics.check(admin.getConfigurationProperties(), properties.topics().partitions(),
				Duration.ofSeconds(admin.getOperationTimeout()), ChatTopics.SUBMITTED, ChatTopics.EVENTS);
	}

}
