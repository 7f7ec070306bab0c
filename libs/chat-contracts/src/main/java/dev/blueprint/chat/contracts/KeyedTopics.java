package dev.blueprint.chat.contracts;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics keyed by conversation id ({@link ChatTopics#SUBMITTED},
 * {@link ChatTopics#EVENTS}), checked to have the partition count a service is set to. A
 * conversation's records must stay on one partition, read by one sequencer in log order;
 * another count maps keys to other partitions, so a conversation's new records would be
 * sequenced by another consumer beside its unsequenced old ones. Spring's
 * {@code KafkaAdmin} creates missing topics, and grows one whose count is below the
 * declared one: a service builds this bean while its context starts, before
 * {@code KafkaAdmin} acts (after every singleton is built), so it refuses to start
 * instead of repartitioning.
 *
 * @param topics the topics checked
 * @param partitions their partition count
 * @param checked whether Kafka answered (when it did not, nothing was checked: as
 * {@code KafkaAdmin}, the service starts all the same)
 */
public record KeyedTopics(List<String> topics, int partitions, boolean checked) {

	private static final Logger logger = LoggerFactory.getLogger(KeyedTopics.class);

	/**
	 * Checks that each existing topic has {@code partitions} (a missing one is left to
	 * {@code KafkaAdmin} to create). When Kafka does not answer within {@code timeout},
	 * it warns and returns unchecked.
	 * @throws PartitionCountMismatchException when an existing topic has another count
	 */
	public static KeyedTopics check(Map<String, Object> adminConfig, int partitions, Duration timeout,
			String... topics) {
		Admin admin = Admin.create(adminConfig);
		try {
			for (String topic : topics) {
				Integer existing = partitionCount(admin, topic, timeout);
				if (existing != null && existing != partitions) {
					throw new PartitionCountMismatchException(topic + " has " + existing
							+ " partitions and this service is set to " + partitions
							+ " (CHAT_TOPIC_PARTITIONS): set it to " + existing
							+ ". A topic keyed by conversation is never repartitioned in place: another count moves "
							+ "conversations to other partitions, beside their unsequenced records");
				}
			}
			return new KeyedTopics(List.of(topics), partitions, true);
		}
		catch (TimeoutException ex) {
			logger.warn("Kafka did not answer within {}: the partitions of {} are not checked", timeout,
					List.of(topics));
			return new KeyedTopics(List.of(topics), partitions, false);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while checking " + List.of(topics), ex);
		}
		finally {
			// not Admin's default, which waits for calls still pending (Kafka
			// unreachable)
			admin.close(Duration.ofSeconds(1));
		}
	}

	/** The topic's partition count, or {@code null} when it does not exist. */
	private static Integer partitionCount(Admin admin, String topic, Duration timeout)
			throws TimeoutException, InterruptedException {
		try {
			TopicDescription description = admin.describeTopics(List.of(topic))
				.topicNameValues()
				.get(topic)
				.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			return description.partitions().size();
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				return null;
			}
			if (ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
				throw new TimeoutException(ex.getCause().getMessage());
			}
			throw new IllegalStateException("cannot describe " + topic + ": " + ex.getCause(), ex);
		}
	}

	/** An existing keyed topic has another partition count than the service's setting. */
	public static final class PartitionCountMismatchException extends IllegalStateException {

		PartitionCountMismatchException(String message) {
			super(message);
		}

	}

}
