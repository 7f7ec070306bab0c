package dev.blueprint.chat.gateway;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

@RealInfrastructure
class ChatGatewayPlatformIntegrationTests extends PlatformContractIntegrationTests {

	ChatGatewayPlatformIntegrationTests() {
		super("redis", "kafka");
	}

	@Test
	void declaresTheSubmittedTopicAndProducesToItIdempotentlyWithEveryReplicaAcknowledging(@Autowired KafkaAdmin admin,
			@Autowired GatewayProperties properties, @Autowired ProducerFactory<?, ?> producers) {
		TopicDescription submitted = admin.describeTopics(ChatTopics.SUBMITTED).get(ChatTopics.SUBMITTED);
		assertThat(submitted.partitions()).hasSize(properties.topicPartitions())
			.allSatisfy((partition) -> assertThat(partition.replicas()).hasSize(properties.topicReplication()));
		assertThat(producers.getConfigurationProperties())
			.hasEntrySatisfying(ProducerConfig.ACKS_CONFIG, (acks) -> assertThat(acks).hasToString("all"))
			.hasEntrySatisfying(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
					(idempotent) -> assertThat(idempotent).hasToString("true"));
	}

}
