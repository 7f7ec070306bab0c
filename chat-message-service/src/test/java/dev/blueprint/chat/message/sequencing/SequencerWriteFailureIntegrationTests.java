package dev.blueprint.chat.message.sequencing;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.contracts.ChatEvent.MessageRejected;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TopicConsumers;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sequencer produces a batch's events before it writes the batch to Cassandra (they
 * travel while it stores). Here the message writes fail while the reads before them
 * succeed (the {@code body} column is dropped from {@code messages}, so every insert is
 * refused): the events of each attempt reach the log, but their transaction aborts, so a
 * {@code read_committed} consumer never sees them, and the offsets sent to those
 * transactions are never committed; once writes work again the retry publishes each
 * message once, with the seqs it was planned with, and commits the offsets past them. The
 * retries are planned against the members the first attempt saw, even when a removal is
 * announced meanwhile (its record comes later in the log: the call answers 202 pending,
 * and the removal applies after the batch).
 */
class SequencerWriteFailureIntegrationTests extends ChatIntegrationTest {

	@Autowired
	CqlSession cassandra;

	@Autowired
	KafkaListenerEndpointRegistry listeners;

	@Autowired
	MeterRegistry meters;

	/** MessagePersisted events of one client message seen by {@link #awaitAttempts}. */
	private int attempts;

	@Test
	void eventsOfABatchWhoseWritesFailAreNeverVisibleAndTheRetryPublishesThemOnce() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		for (int i = 1; i <= 3; i++) {
			submit(conversation, alice, "before-" + i, "before " + i);
		}
		awaitEvents(conversation, 3, Duration.ofSeconds(30));
		TopicPartition partition = submittedPartition(conversation);
		long offsetBefore = endOffset(partition);
		assertThat(awaitCommittedOffset(partition, offsetBefore, Duration.ofSeconds(10))).isEqualTo(offsetBefore);

		long waitsBefore = this.meters.get("blueprint.chat.sequencer.wait").timer().count();
		try (KafkaConsumer<String, String> uncommitted = TopicConsumers.fromEnd(ChatTopics.EVENTS,
				Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"))) {
			this.cassandra.execute("ALTER TABLE messages DROP body");
			try {
				submit(conversation, alice, "during-1", "during 1");
				submit(conversation, alice, "during-2", "during 2");
				// Every attempt planned the same seqs and sent its events before failing.
				Map<String, Set<Long>> attempted = attempted(uncommitted, conversation, Duration.ofSeconds(30));
				assertThat(attempted).isEqualTo(Map.of("during-1", Set.of(4L), "during-2", Set.of(5L)));
				assertThat(eventsDuring(conversation, Duration.ofSeconds(3))).hasSize(3);
				assertThat(committedOffset(partition)).isEqualTo(offsetBefore);
			}
			finally {
				this.cassandra.execute("ALTER TABLE messages ADD body text");
			}
		}

		List<ChatEvent> events = awaitEvents(conversation, 5, Duration.ofSeconds(60));
		assertThat(eventsDuring(conversation, Duration.ofSeconds(2))).hasSize(5);
		// Polled again with every attempt, each submission's wait in Kafka is recorded
		// once (counted per poll it was 13 here; one stray record of another test is
		// allowed for).
		assertThat(this.meters.get("blueprint.chat.sequencer.wait").timer().count() - waitsBefore).isBetween(2L, 3L);
		assertThat(events.subList(3, 5)).extracting((event) -> ((MessagePersisted) event).seq())
			.containsExactly(4L, 5L);
		assertThat(events.subList(3, 5)).extracting((event) -> ((MessagePersisted) event).duplicate())
			.containsExactly(false, false);
		HttpResponse<String> history = get(alice, "/api/v1/conversations/" + conversation + "/messages?after=3");
		assertThat(history.statusCode()).isEqualTo(200);
		List<String> bodies = json(history, "$[*].body");
		assertThat(bodies).containsExactly("during 1", "during 2");
		assertThat(awaitCommittedOffset(partition, offsetBefore + 2, Duration.ofSeconds(10)))
			.isEqualTo(offsetBefore + 2);
	}

	@Test
	void aMessageSentBeforeItsSenderWasRemovedIsStoredThoughTheRemovalWasAnnouncedDuringTheRetries() throws Exception {
		String alice = unique("alice");
		String xavier = unique("xavier");
		UUID conversation = conversation(alice, "group", xavier, unique("bob"));
		submit(conversation, alice, "a-1", "first");
		awaitEvents(conversation, 1, Duration.ofSeconds(30));

		try (KafkaConsumer<String, String> uncommitted = TopicConsumers.fromEnd(ChatTopics.EVENTS,
				Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"))) {
			this.cassandra.execute("ALTER TABLE messages DROP body");
			try {
				submit(conversation, xavier, "x-1", "sent while a member");
				int attempts = awaitAttempts(uncommitted, conversation, "x-1", 1, Duration.ofSeconds(30));
				// The removal is announced now; its record comes after x-1 in the log, so
				// the sequencer cannot apply it before x-1 is stored: after its timeout
				// (10 s) the call answers 202, pending.
				HttpResponse<String> removal = delete(alice,
						"/api/v1/conversations/" + conversation + "/members/" + xavier);
				assertThat(removal.statusCode()).isEqualTo(202);
				assertThat((String) json(removal, "$.status")).isEqualTo("pending");
				// The retries after it still plan x-1 as the first attempt did.
				awaitAttempts(uncommitted, conversation, "x-1", attempts + 2, Duration.ofSeconds(30));
			}
			finally {
				this.cassandra.execute("ALTER TABLE messages ADD body text");
			}
		}

		List<ChatEvent> events = awaitEvents(conversation, 2, Duration.ofSeconds(60));
		assertThat(events.get(1)).isInstanceOfSatisfying(MessagePersisted.class, (stored) -> {
			assertThat(stored.clientMessageId()).isEqualTo("x-1");
			assertThat(stored.seq()).isEqualTo(2);
		});
		// The pending removal applied after x-1: the table no longer lists xavier, and
		// from the removal's place in the log on he is refused.
		assertThat((List<String>) json(get(alice, "/api/v1/conversations/" + conversation), "$.members"))
			.doesNotContain(xavier);
		submit(conversation, xavier, "x-2", "sent after the removal");
		assertThat(awaitEvents(conversation, 3, Duration.ofSeconds(30)).get(2)).isInstanceOfSatisfying(
				MessageRejected.class,
				(rejected) -> assertThat(rejected.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
	}

	/**
	 * How many MessagePersisted events of one client message (committed or not: one per
	 * attempt) have been seen, once there are at least {@code count}.
	 */
	private int awaitAttempts(KafkaConsumer<String, String> consumer, UUID conversation, String clientMessageId,
			int count, Duration wait) {
		long deadline = System.nanoTime() + wait.toNanos();
		while (this.attempts < count && System.nanoTime() < deadline) {
			for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
				ChatEvent event = this.codec.decode(record.value());
				if (event instanceof MessagePersisted persisted && persisted.conversationId().equals(conversation)
						&& persisted.clientMessageId().equals(clientMessageId)) {
					this.attempts++;
				}
				else if (event instanceof MessageRejected rejected && rejected.conversationId().equals(conversation)) {
					throw new AssertionError("a retry refused " + rejected.clientMessageId() + ": " + rejected.code());
				}
			}
		}
		assertThat(this.attempts).as("attempts of %s", clientMessageId).isGreaterThanOrEqualTo(count);
		return this.attempts;
	}

	/**
	 * The committed offset once it is {@code expected} or the wait is over (the group
	 * coordinator applies a transaction's offsets when it writes the commit marker).
	 */
	private long awaitCommittedOffset(TopicPartition partition, long expected, Duration wait)
			throws InterruptedException {
		long deadline = System.nanoTime() + wait.toNanos();
		long committed = committedOffset(partition);
		while (committed != expected && System.nanoTime() < deadline) {
			Thread.sleep(100);
			committed = committedOffset(partition);
		}
		return committed;
	}

	/** The partition of chat.messages.submitted that holds the conversation's records. */
	private static TopicPartition submittedPartition(UUID conversation) {
		byte[] key = conversation.toString().getBytes(StandardCharsets.UTF_8);
		int partitions;
		try (Admin admin = admin()) {
			partitions = admin.describeTopics(List.of(ChatTopics.SUBMITTED))
				.allTopicNames()
				.toCompletionStage()
				.toCompletableFuture()
				.join()
				.get(ChatTopics.SUBMITTED)
				.partitions()
				.size();
		}
		return new TopicPartition(ChatTopics.SUBMITTED, Utils.toPositive(Utils.murmur2(key)) % partitions);
	}

	private static long endOffset(TopicPartition partition) {
		try (Admin admin = admin()) {
			return admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
				.partitionResult(partition)
				.toCompletionStage()
				.toCompletableFuture()
				.join()
				.offset();
		}
	}

	/** The sequencer group's committed offset of the partition. */
	private long committedOffset(TopicPartition partition) {
		String group = this.listeners.getListenerContainer("sequencer").getGroupId();
		try (Admin admin = admin()) {
			OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group)
				.partitionsToOffsetAndMetadata()
				.toCompletionStage()
				.toCompletableFuture()
				.join()
				.get(partition);
			return (committed != null) ? committed.offset() : 0;
		}
	}

	private static Admin admin() {
		return Admin.create(
				Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.local().kafkaBootstrapServers()));
	}

	/**
	 * The seqs of the conversation's MessagePersisted events by clientMessageId,
	 * committed or not, once two clientMessageIds have been seen (and a second more, for
	 * repeats).
	 */
	private Map<String, Set<Long>> attempted(KafkaConsumer<String, String> consumer, UUID conversation, Duration wait) {
		Map<String, Set<Long>> seqs = new TreeMap<>();
		long deadline = System.nanoTime() + wait.toNanos();
		long settle = Long.MAX_VALUE;
		while (System.nanoTime() < Math.min(deadline, settle)) {
			for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
				if (this.codec.decode(record.value()) instanceof MessagePersisted event
						&& event.conversationId().equals(conversation)) {
					seqs.computeIfAbsent(event.clientMessageId(), (id) -> new TreeSet<>()).add(event.seq());
				}
			}
			if (seqs.size() >= 2 && settle == Long.MAX_VALUE) {
				settle = System.nanoTime() + Duration.ofSeconds(1).toNanos();
			}
		}
		return seqs;
	}

}
