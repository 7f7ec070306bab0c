package dev.blueprint.chat.message;

import java.util.Map;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.contracts.ChatTopics;
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
class ChatMessagePlatformIntegrationTests extends PlatformContractIntegrationTests {

	ChatMessagePlatformIntegrationTests() {
		super("kafka", "cassandra");
	}

	@Test
	void declaresItsTopicsAndProducesInTransactionsIdempotentlyWithEveryReplicaAcknowledging(
			@Autowired ApplicationContext context, @Autowired KafkaAdmin admin,
			@Autowired ChatMessageProperties properties, @Autowired ProducerFactory<?, ?> producers) {
		Map<String, NewTopic> declared = KafkaContract.declaredTopics(context);
		assertThat(declared).containsOnlyKeys(ChatTopics.SUBMITTED, ChatTopics.EVENTS,
				ChatTopics.deadLetter(ChatTopics.SUBMITTED), ChatTopics.deadLetter(ChatTopics.EVENTS));
		assertThat(declared.get(ChatTopics.SUBMITTED).numPartitions()).isEqualTo(properties.topics().partitions());
		assertThat(declared.get(ChatTopics.EVENTS).numPartitions()).isEqualTo(properties.topics().partitions());
		assertThat(declared.get(ChatTopics.deadLetter(ChatTopics.SUBMITTED)).numPartitions()).isOne();
		assertThat(declared.get(ChatTopics.deadLetter(ChatTopics.EVENTS)).numPartitions()).isOne();
		assertThat(declared.values()).extracting(NewTopic::replicationFactor)
			.containsOnly(properties.topics().replication());
		KafkaContract.assertOnTheBroker(admin, declared);
		assertThat(producers.transactionCapable()).isTrue();
		KafkaContract.assertIdempotentWithEveryReplicaAcknowledging(producers);
	}

	@Test
	void createsAndUsesItsKeyspace(@Autowired CqlSession session) {
		assertThat(session.getKeyspace()).hasValue(CqlIdentifier.fromCql("blueprint_chat"));
	}

}
