package dev.blueprint.chat.contracts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics keyed by conversation id ({@link ChatTopics#SUBMITTED},
 * {@link ChatTopics#EVENTS}): created when missing, never repartitioned. A conversation's
 * records must stay on one partition, read by one sequencer in log order; another count
 * maps keys to other partitions, so a conversation's new records would be sequenced by
 * another consumer beside its unsequenced old ones. Spring's {@code KafkaAdmin} grows a
 * declared topic whose count is below the declared one, so these are not declared to it
 * ({@code NewTopic} beans): a service creates them with this, and refuses a count other
 * than its setting.
 */
public final class KeyedTopics {

	private static final Logger logger = LoggerFactory.getLogger(KeyedTopics.class);

	private final Map<String, Object> adminConfig;

	private final int partitions;

	private final short replication;

	private final Duration timeout;

	private final List<String> topics;

	/**
	 * @param adminConfig the Kafka admin client's settings
	 * @param partitions the partition count the service is set to
	 * @param replication the replication factor of a topic it creates
	 * @param timeout how long each call to Kafka may take
	 * @param topics the keyed topics
	 */
	public KeyedTopics(Map<String, Object> adminConfig, int partitions, short replication, Duration timeout,
			String... topics) {
		this.adminConfig = Map.copyOf(adminConfig);
		this.partitions = partitions;
		this.replication = replication;
		this.timeout = timeout;
		this.topics = List.of(topics);
	}

	public List<String> topics() {
		return this.topics;
	}

	public int partitions() {
		return this.partitions;
	}

	/**
	 * Creates each topic that is missing with the set count and replication, and checks
	 * that each existing one has the set count.
	 * @return {@code true} once Kafka has them all; {@code false} when Kafka did not
	 * answer in time or refused (e.g. a replication factor above the brokers it has, or
	 * no authorization): it warns, and the caller tries again later
	 * @throws PartitionCountMismatchException when one exists with another count, the one
	 * failure that trying again cannot cure
	 */
	public boolean ensure() {
		Admin admin = Admin.create(this.adminConfig);
		try {
			List<String> created = new ArrayList<>();
			for (String topic : this.topics) {
				Integer existing = partitionCount(admin, topic);
				if (existing == null) {
					if (create(admin, topic)) {
						created.add(topic);
						continue;
					}
					// created at the same moment by another service: check its count, or
					// next time if the broker does not show it yet
					existing = partitionCount(admin, topic);
					if (existing == null) {
						logger.warn("{} exists but is not described yet: its partitions are checked next time", topic);
						return false;
					}
				}
				if (existing != this.partitions) {
					throw new PartitionCountMismatchException(topic + " has " + existing
							+ " partitions and this service is set to " + this.partitions
							+ " (CHAT_TOPIC_PARTITIONS): set it to " + existing
							+ ". A topic keyed by conversation is never repartitioned in place: another count moves "
							+ "conversations to other partitions, beside their unsequenced records");
				}
			}
			if (!created.isEmpty()) {
				logger.info("Created {} with {} partitions, replication {}", created, this.partitions,
						this.replication);
			}
			return true;
		}
		catch (TimeoutException ex) {
			logger.warn("Kafka did not answer within {}: {} neither created nor checked yet", this.timeout,
					this.topics);
			return false;
		}
		catch (ExecutionException ex) {
			logger.warn("Kafka refused to create or describe {}: {}", this.topics, ex.getCause().toString());
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while declaring " + this.topics, ex);
		}
		finally {
			// not Admin's default, which waits for calls still pending (Kafka
			// unreachable)
			admin.close(Duration.ofSeconds(1));
		}
	}

	/** Whether it created the topic ({@code false}: it exists already). */
	private boolean create(Admin admin, String topic)
			throws ExecutionException, TimeoutException, InterruptedException {
		try {
			get(admin.createTopics(List.of(new NewTopic(topic, this.partitions, this.replication))).all());
			return true;
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof TopicExistsException) {
				return false;
			}
			throw ex;
		}
	}

	/** The topic's partition count, or {@code null} when it does not exist. */
	private Integer partitionCount(Admin admin, String topic)
			throws ExecutionException, TimeoutException, InterruptedException {
		try {
			TopicDescription description = get(admin.describeTopics(List.of(topic)).topicNameValues().get(topic));
			return description.partitions().size();
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				return null;
			}
			throw ex;
		}
	}

	/** The future's value; Admin's own timeout counts as a timeout too. */
	private <T> T get(KafkaFuture<T> future) throws ExecutionException, TimeoutException, InterruptedException {
		try {
			return future.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
				throw new TimeoutException(ex.getCause().getMessage());
			}
			throw ex;
		}
	}

	/** An existing keyed topic has another partition count than the service's setting. */
	public static final class PartitionCountMismatchException extends IllegalStateException {

		PartitionCountMismatchException(String message) {
			super(message);
		}

	}

}
