package dev.blueprint.chat.message;

import java.util.Map;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
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
class ChatMessagePlatformIntegrationTests extends PlatformContractIntegrationTests {

	ChatMessagePlatformIntegrationTests() {
		super("kafka", "cassandra");
	}

	@Test
	void declaresItsTopicsAndProducesInTransactionsIdempotentlyWithEveryReplicaAcknowledging(
			@Autowired KafkaAdmin admin, @Autowired ChatMessageProperties properties,
			@Autowired ProducerFactory<?, ?> producers) {
		Map<String, TopicDescription> topics = admin.describeTopics(ChatTopics.SUBMITTED, ChatTopics.EVENTS,
				ChatTopics.deadLetter(ChatTopics.SUBMITTED), ChatTopics.deadLetter(ChatTopics.EVENTS));
		assertThat(topics.get(ChatTopics.SUBMITTED).partitions()).hasSize(properties.topics().partitions());
		assertThat(topics.get(ChatTopics.EVENTS).partitions()).hasSize(properties.topics().partitions());
		assertThat(topics.get(ChatTopics.deadLetter(ChatTopics.SUBMITTED)).partitions()).hasSize(1);
		assertThat(topics.get(ChatTopics.deadLetter(ChatTopics.EVENTS)).partitions()).hasSize(1);
		assertThat(topics.values()).allSatisfy((topic) -> assertThat(topic.partitions())
			.allSatisfy((partition) -> assertThat(partition.replicas()).hasSize(properties.topics().replication())));
		assertThat(producers.transactionCapable()).isTrue();
		assertThat(producers.getConfigurationProperties())
			.hasEntrySatisfying(ProducerConfig.ACKS_CONFIG, (acks) -> assertThat(acks).hasToString("all"))
			.hasEntrySatisfying(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
					(idempotent) -> assertThat(idempotent).hasToString("true"));
	}

	@Test
	void createsAndUsesItsKeyspace(@Autowired CqlSession session) {
		assertThat(session.getKeyspace()).hasValue(CqlIdentifier.fromCql("blueprint_chat"));
	}

}
