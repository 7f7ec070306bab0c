package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaProducerWarmupTests {

	@Test
	void withoutABrokerTheServiceStartsAllTheSameAfterMaxBlock() throws Exception {
		DefaultKafkaProducerFactory<String, String> factory = new DefaultKafkaProducerFactory<>(Map
			.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, UnusedAddress.next(), ProducerConfig.MAX_BLOCK_MS_CONFIG, 500),
				new StringSerializer(), new StringSerializer());
		try {
			long start = System.nanoTime();
			Map<String, Integer> partitions = new KafkaProducerWarmup(factory, List.of("some.topic")).warmUp();

			assertThat(partitions).isEmpty();
			// one max.block.ms, plus the first call's class loading on a busy machine
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
		}
		finally {
			factory.destroy();
		}
	}

	@Test
	void aTransactionalProducerWithoutABrokerGivesUpAfterMaxBlockToo() throws Exception {
		DefaultKafkaProducerFactory<String, String> factory = new DefaultKafkaProducerFactory<>(Map
			.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, UnusedAddress.next(), ProducerConfig.MAX_BLOCK_MS_CONFIG, 500),
				new StringSerializer(), new StringSerializer());
		factory.setTransactionIdPrefix("warmup-test-");
		try {
			KafkaProducerWarmup warmup = new KafkaProducerWarmup(factory, List.of("some.topic"));
			long start = System.nanoTime();
			warmup.run(new DefaultApplicationArguments());

			assertThat(warmup.atStartUp()).contains(Map.of());
			// initTransactions' max.block.ms, the failed producer's close, and class
			// loading
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
		}
		finally {
			factory.destroy();
		}
	}

	@Test
	void withoutTopicsTheRunnerCreatesNoProducer() throws Exception {
		DefaultKafkaProducerFactory<String, String> factory = new DefaultKafkaProducerFactory<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, UnusedAddress.next()), new StringSerializer(),
				new StringSerializer());
		List<String> added = new java.util.ArrayList<>();
		factory.addListener(new org.springframework.kafka.core.ProducerFactory.Listener<>() {
			@Override
			public void producerAdded(String id, org.apache.kafka.clients.producer.Producer<String, String> producer) {
				added.add(id);
			}
		});
		try {
			KafkaProducerWarmup warmup = new KafkaProducerWarmup(factory, List.of());
			warmup.run(new DefaultApplicationArguments());

			assertThat(added).isEmpty();
			assertThat(warmup.atStartUp()).isEmpty();
		}
		finally {
			factory.destroy();
		}
	}

}
