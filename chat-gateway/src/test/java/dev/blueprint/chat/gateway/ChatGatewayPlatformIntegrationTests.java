package dev.blueprint.chat.gateway;

import java.util.List;
import java.util.Map;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.KeyedTopics;
import dev.blueprint.platform.test.KafkaContract;
import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import dev.blueprint.testsupport.RealInfrastructure;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

@RealInfrastructure
class ChatGatewayPlatformIntegrationTests extends PlatformContractIntegrationTests {

	ChatGatewayPlatformIntegrationTests() {
		super("redis", "kafka");
	}

	@Test
	void declaresTheSubmittedTopicAndProducesToItIdempotentlyWithEveryReplicaAcknowledging(
			@Autowired ApplicationContext context, @Autowired KafkaAdmin admin, @Autowired GatewayProperties properties,
			@Autowired ProducerFactory<?, ?> producers) {
		Map<String, NewTopic> declared = KafkaContract.declaredTopics(context);
		assertThat(declared).containsOnlyKeys(ChatTopics.SUBMITTED);
		assertThat(declared.get(ChatTopics.SUBMITTED).numPartitions()).isEqualTo(properties.topicPartitions());
		assertThat(declared.get(ChatTopics.SUBMITTED).replicationFactor()).isEqualTo(properties.topicReplication());
		KafkaContract.assertOnTheBroker(admin, declared);
		assertThat(context.getBean(KeyedTopics.class))
			.isEqualTo(new KeyedTopics(List.of(ChatTopics.SUBMITTED), properties.topicPartitions(), true));
		KafkaContract.assertIdempotentWithEveryReplicaAcknowledging(producers);
	}

}
