package dev.blueprint.chat.message;

import java.util.Map;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
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
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

@RealInfrastructure
// The bucket size of every other test here (ChatIntegrationTest): the size is recorded in
// the keyspace, and with messages stored by them another size refuses to start, so this
// test failed whenever it ran after them on the same servers (run alone, for one).
@TestPropertySource(properties = "chat.storage.bucket-size=50")
class ChatMessagePlatformIntegrationTests extends PlatformContractIntegrationTests {

	ChatMessagePlatformIntegrationTests() {
		super("kafka", "cassandra");
	}

	@Test
	void declaresItsTopicsAndProducesInTransactionsIdempotentlyWithEveryReplicaAcknowledging(
			@Autowired ApplicationContext context, @Autowired KafkaAdmin admin,
			@Autowired ChatMessageProperties properties, @Autowired ProducerFactory<?, ?> producers) {
		// The keyed topics are created by KeyedTopics, never declared to KafkaAdmin
		// (which would grow them).
		Map<String, NewTopic> declared = KafkaContract.declaredTopics(context);
		assertThat(declared).containsOnlyKeys(ChatTopics.deadLetter(ChatTopics.SUBMITTED),
				ChatTopics.deadLetter(ChatTopics.EVENTS));
		KeyedTopics keyed = context.getBean(KeyedTopics.class);
		assertThat(keyed.topics()).containsExactly(ChatTopics.SUBMITTED, ChatTopics.EVENTS);
		assertThat(keyed.partitions()).isEqualTo(properties.topics().partitions());
		KafkaContract.assertOnTheBroker(admin,
				Map.of(ChatTopics.SUBMITTED,
						new NewTopic(ChatTopics.SUBMITTED, keyed.partitions(), properties.topics().replication()),
						ChatTopics.EVENTS,
						new NewTopic(ChatTopics.EVENTS, keyed.partitions(), properties.topics().replication())));
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
