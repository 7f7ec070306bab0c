package dev.blueprint.platform.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Opens the service's Kafka producer while it starts, before it reports ready, instead of
 * at its first send: the producer's metadata for the topics it writes and its producer
 * id, and for a transactional factory {@code initTransactions} (which on a new cluster
 * also creates the transaction log, 50 partitions). Left to the first send, that work
 * landed on the first messages: on a fresh local stack the sequencer waited 3.4 s for its
 * producer id while Kafka created the transaction log under load, and its first
 * transactions met {@code CONCURRENT_TRANSACTIONS} for 2.6 s more.
 * <p>
 * A transactional producer goes back to the factory's cache when closed, so the first
 * transaction uses it; a plain producer is the factory's shared one, which closing leaves
 * open (its producer id is requested in the background, not awaited here). If Kafka does
 * not answer (the first call that fails waits up to the producer's {@code max.block.ms}
 * and ends the warm-up), the service starts all the same and the first send tries again.
 * <p>
 * It runs after the context's refresh, when listener containers have started: a service
 * that restarts with a backlog may open a second transactional producer for its first
 * transaction, one {@code initTransactions} more, harmless.
 */
public final class KafkaProducerWarmup implements ApplicationRunner {

	private static final Logger logger = LoggerFactory.getLogger(KafkaProducerWarmup.class);

	private final ProducerFactory<?, ?> producers;

	private final List<String> topics;

	private volatile Map<String, Integer> atStartUp;

	public KafkaProducerWarmup(ProducerFactory<?, ?> producers, List<String> topics) {
		this.producers = producers;
		this.topics = List.copyOf(topics);
	}

	/** The topics whose metadata the warm-up fetches; none turns it off. */
	public List<String> topics() {
		return this.topics;
	}

	/**
	 * What the warm-up at start-up found (see {@link #warmUp()}); empty if it has not run
	 * (no topics, or not started yet).
	 */
	public Optional<Map<String, Integer>> atStartUp() {
		return Optional.ofNullable(this.atStartUp);
	}

	@Override
	public void run(ApplicationArguments args) {
		if (!this.topics.isEmpty()) {
			this.atStartUp = warmUp();
		}
	}

	/**
	 * @return the partition count of each topic as the producer's metadata has it; empty
	 * if Kafka did not answer
	 */
	public Map<String, Integer> warmUp() {
		long start = System.nanoTime();
		try (Producer<?, ?> producer = this.producers.createProducer()) {
			Map<String, Integer> partitions = new LinkedHashMap<>();
			for (String topic : this.topics) {
				partitions.put(topic, producer.partitionsFor(topic).size());
			}
			logger.info("Kafka producer ready in {} ms{}; partitions by topic: {}",
					(System.nanoTime() - start) / 1_000_000,
					this.producers.transactionCapable() ? " (transactions initialised)" : "", partitions);
			return partitions;
		}
		catch (RuntimeException ex) {
			logger.warn("Kafka producer not ready at start-up after {} ms ({}); the first send will try again",
					(System.nanoTime() - start) / 1_000_000, ex.toString());
			return Map.of();
		}
	}

}
