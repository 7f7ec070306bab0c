package dev.blueprint.chat.message.sequencing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.platform.kafka.KafkaProducerWarmup;
import dev.blueprint.testsupport.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.ProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sequencer's transactional producer is opened at start-up against the real Kafka:
 * its transactional id is registered with the coordinator before any message, and the
 * first transaction takes that producer from the factory's cache.
 */
class ProducerWarmupIntegrationTests extends ChatIntegrationTest {

	@Autowired
	KafkaProducerWarmup warmup;

	@Test
	void theServiceOpenedItsProducerForTheEventsTopicAtStartUp() {
		assertThat(this.warmup.topics()).containsExactly(ChatTopics.EVENTS);
		assertThat(this.warmup.atStartUp())
			.hasValueSatisfying((partitions) -> assertThat(partitions).containsOnlyKeys(ChatTopics.EVENTS));
	}

	@Test
	void aWarmedUpTransactionalProducerIsKnownToTheCoordinatorAndReusedByTheFirstTransaction() throws Exception {
		String bootstrap = TestInfrastructure.local().kafkaBootstrapServers();
		String prefix = "warmup-test-" + UUID.randomUUID() + "-";
		DefaultKafkaProducerFactory<String, String> factory = new DefaultKafkaProducerFactory<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000),
				new StringSerializer(), new StringSerializer());
		factory.setTransactionIdPrefix(prefix);
		List<String> created = new ArrayList<>();
		factory.addListener(new ProducerFactory.Listener<>() {
			@Override
			public void producerAdded(String id, Producer<String, String> producer) {
				created.add(id);
			}
		});
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
			assertThatThrownBy(() -> describe(admin, prefix + "0"))
				.hasCauseInstanceOf(TransactionalIdNotFoundException.class);

			Map<String, Integer> partitions = new KafkaProducerWarmup(factory, List.of(ChatTopics.EVENTS)).warmUp();

			assertThat(partitions).containsOnlyKeys(ChatTopics.EVENTS);
			assertThat(partitions.get(ChatTopics.EVENTS)).isPositive();
			assertThat(describe(admin, prefix + "0").state()).isEqualTo(TransactionState.EMPTY);
			try (Producer<String, String> first = factory.createProducer()) {
				first.beginTransaction();
				first.abortTransaction();
			}
			assertThat(created).hasSize(1);
		}
		finally {
			factory.destroy();
		}
	}

	private static TransactionDescription describe(Admin admin, String transactionalId) throws Exception {
		return admin.describeTransactions(List.of(transactionalId))
			.description(transactionalId)
			.get(10, TimeUnit.SECONDS);
	}

}
