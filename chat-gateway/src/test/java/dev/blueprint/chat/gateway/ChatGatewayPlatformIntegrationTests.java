package dev.blueprint.chat.gateway;

import java.util.Map;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.KeyedTopics;
import dev.blueprint.platform.kafka.KafkaTopicDeclaration;
import dev.blueprint.platform.kafka.TopicDeclarer;
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
			@Autowired ProducerFactory<?, ?> producers) throws InterruptedException {
		// Keyed by conversation: created by KeyedTopics, never declared to KafkaAdmin
		// (which would grow it).
		assertThat(KafkaContract.declaredTopics(context)).isEmpty();
		KeyedTopics keyed = context.getBean(KeyedTopics.class);
		assertThat(keyed.topics()).containsExactly(ChatTopics.SUBMITTED);
		assertThat(keyed.partitions()).isEqualTo(properties.topicPartitions());
		assertThat(context.getBeansOfType(TopicDeclarer.class)).hasSize(1);
		// Confirmed by the platform's declaration, though KafkaAdmin has nothing to
		// declare.
		KafkaTopicDeclaration declaration = context.getBean(KafkaTopicDeclaration.class);
		long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
		while (!declaration.declared() && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
		assertThat(declaration.declared()).isTrue();
		KafkaContract.assertOnTheBroker(admin, Map.of(ChatTopics.SUBMITTED,
				new NewTopic(ChatTopics.SUBMITTED, properties.topicPartitions(), properties.topicReplication())));
		KafkaContract.assertIdempotentWithEveryReplicaAcknowledging(producers);
	}

}
