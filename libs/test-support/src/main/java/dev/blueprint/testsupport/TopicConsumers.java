package dev.blueprint.testsupport;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Plain consumers of the build's Kafka for tests that watch what a service writes: no
 * group, every partition of one topic assigned, positioned at its current end, so they
 * see only what is written after they were made.
 */
public final class TopicConsumers {

	private TopicConsumers() {
	}

	/**
	 * A consumer of every partition of {@code topic} from its current end.
	 * @param config consumer settings on top of the bootstrap servers and
	 * {@code enable.auto.commit=false} (e.g. {@code isolation.level})
	 */
	public static KafkaConsumer<String, String> fromEnd(String topic, Map<String, Object> config) {
		Map<String, Object> settings = new HashMap<>(config);
		settings.putIfAbsent(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
				TestInfrastructure.local().kafkaBootstrapServers());
		settings.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
				new StringDeserializer());
		List<TopicPartition> partitions = consumer.partitionsFor(topic)
			.stream()
			.map((info) -> new TopicPartition(info.topic(), info.partition()))
			.toList();
		consumer.assign(partitions);
		consumer.seekToEnd(partitions);
		partitions.forEach(consumer::position);
		return consumer;
	}

}
