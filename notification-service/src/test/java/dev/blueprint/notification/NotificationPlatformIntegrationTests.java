package dev.blueprint.notification;

import java.util.Map;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.PushDeadLettered;
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
class NotificationPlatformIntegrationTests extends PlatformContractIntegrationTests {

	NotificationPlatformIntegrationTests() {
		super("redis", "kafka", "cassandra");
	}

	@Test
	void declaresItsDeadLetterTopicsAndProducesIdempotentlyWithEveryReplicaAcknowledging(
			@Autowired ApplicationContext context, @Autowired KafkaAdmin admin,
			@Autowired ProducerFactory<?, ?> producers, @Autowired NotificationProperties properties) {
		Map<String, NewTopic> declared = KafkaContract.declaredTopics(context);
		assertThat(declared).containsOnlyKeys(ChatTopics.deadLetter(ChatTopics.EVENTS), PushDeadLettered.TOPIC);
		assertThat(declared.values()).extracting(NewTopic::numPartitions).containsOnly(1);
		assertThat(declared.values()).extracting(NewTopic::replicationFactor)
			.containsOnly(properties.topicReplication());
		KafkaContract.assertOnTheBroker(admin, declared);
		KafkaContract.assertIdempotentWithEveryReplicaAcknowledging(producers);
	}

	@Test
	void createsAndUsesItsKeyspace(@Autowired CqlSession session) {
		assertThat(session.getKeyspace()).hasValue(CqlIdentifier.fromCql("blueprint_notification"));
	}

}
