package dev.blueprint.platform.test;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;

import org.springframework.context.ApplicationContext;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every service that uses Kafka promises (DESIGN.md): it declares its own topics,
 * and its producers are idempotent with every in-sync replica acknowledging. For the
 * platform contract tests of those services; a class of its own so that services without
 * Kafka never load it.
 */
public final class KafkaContract {

	private KafkaContract() {
	}

	/**
	 * Every topic the context declares ({@link NewTopic} and {@link KafkaAdmin.NewTopics}
	 * beans), by name: what a {@link KafkaAdmin} of this context creates.
	 */
	public static Map<String, NewTopic> declaredTopics(ApplicationContext context) {
		Map<String, NewTopic> topics = new LinkedHashMap<>();
		new Declarations(context).topics().forEach((topic) -> topics.put(topic.name(), topic));
		return topics;
	}

	/** A KafkaAdmin that only collects the context's declarations (never connects). */
	private static final class Declarations extends KafkaAdmin {

		Declarations(ApplicationContext context) {
			super(Map.of());
			setApplicationContext(context);
		}

		Collection<NewTopic> topics() {
			return newTopics();
		}

	}

	/**
	 * Each declared topic exists on the broker with its declared partitions and
	 * replication (where it declares one; else the broker's default).
	 */
	public static void assertOnTheBroker(KafkaAdmin admin, Map<String, NewTopic> declared) {
		Map<String, TopicDescription> described = admin.describeTopics(declared.keySet().toArray(String[]::new));
		declared.forEach((name, topic) -> {
			assertThat(described.get(name).partitions()).as(name).hasSize(topic.numPartitions());
			if (topic.replicationFactor() > 0) {
				assertThat(described.get(name).partitions()).as(name)
					.allSatisfy((partition) -> assertThat(partition.replicas()).hasSize(topic.replicationFactor()));
			}
		});
	}

	/** The producer factory's settings: idempotent, {@code acks=all}. */
	public static void assertIdempotentWithEveryReplicaAcknowledging(ProducerFactory<?, ?> producers) {
		assertThat(producers.getConfigurationProperties())
			.hasEntrySatisfying(ProducerConfig.ACKS_CONFIG, (acks) -> assertThat(acks).hasToString("all"))
			.hasEntrySatisfying(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
					(idempotent) -> assertThat(idempotent).hasToString("true"));
	}

}
