package dev.blueprint.chat.message.sequencing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatPipelineLatency;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.chat.contracts.ChatEvent.MessageRejected;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.message.ChatMessageProperties;
import dev.blueprint.chat.message.conversations.StoredMessage;
import dev.blueprint.chat.message.receipts.core.Watermarks;
import dev.blueprint.chat.message.storage.ChatStore;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.TopicConsumers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

import static org.assertj.core.api.Assertions.assertThat;

class SequencerIntegrationTests extends ChatIntegrationTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Autowired
	KafkaListenerEndpointRegistry listeners;

	@Autowired
	MeterRegistry meters;

	@Autowired
	ChatStore store;

	@Autowired
	CqlSession cassandra;

	@Autowired
	Sequencer sequencer;

	@Autowired
	ChatMessageProperties properties;

	@Test
	void theWaitBeforeThePollCountsFromTheRecordTimestamp() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		Timer wait = this.meters.get("blueprint.chat.sequencer.wait").timer();
		long countBefore = wait.count();
		double secondsBefore = wait.totalTime(TimeUnit.SECONDS);
		// Stamped 30 s ago (as a record that sat in Kafka while the sequencer was down).
		this.producer
			.send(new ProducerRecord<>(ChatTopics.SUBMITTED, null,
					System.currentTimeMillis() - Duration.ofSeconds(30).toMillis(), conversation.toString(),
					this.codec.encode(new ChatEvent.MessageSubmitted(conversation, UUID.randomUUID(), alice, "late",
							"late", Instant.now(), new ChatEvent.Origin("test-gateway", "session-" + alice)))))
			.get(10, TimeUnit.SECONDS);
		awaitEvents(conversation, 1, WAIT);

		assertThat(wait.count()).isGreaterThan(countBefore);
		assertThat(wait.totalTime(TimeUnit.SECONDS) - secondsBefore).isGreaterThanOrEqualTo(30);
	}

	@Test
	void messagesGetGapFreeSeqsInSubmissionOrderAndHistorySpansBuckets() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = conversation(alice, "direct", bob);
		List<UUID> ids = new ArrayList<>();
		for (int i = 1; i <= 120; i++) {
			ids.add(submit(conversation, (i % 2 == 0) ? alice : bob, "c-" + i, "message " + i));
		}
		List<ChatEvent> events = awaitEvents(conversation, 120, WAIT);
		for (int i = 0; i < 120; i++) {
			MessagePersisted persisted = (MessagePersisted) events.get(i);
			assertThat(persisted.seq()).isEqualTo(i + 1);
			assertThat(persisted.messageId()).isEqualTo(ids.get(i));
			assertThat(persisted.body()).isEqualTo("message " + (i + 1));
			assertThat(persisted.recipients()).containsExactlyInAnyOrder(alice, bob);
			assertThat(persisted.duplicate()).isFalse();
		}
		// bucket size 50 in tests: history crosses three partitions
		var page = get(bob, "/api/v1/conversations/" + conversation + "/messages?after=40&limit=100");
		assertThat(page.statusCode()).isEqualTo(200);
		List<Integer> seqs = json(page, "$[*].seq");
		assertThat(seqs).hasSize(80).first().isEqualTo(41);
		assertThat(seqs).last().isEqualTo(120);
		assertThat(seqs).isSorted();
		var latest = get(alice, "/api/v1/conversations/" + conversation + "/messages?limit=60");
		assertThat(json(latest, "$[*].seq").toString()).startsWith("[61,").endsWith(",120]");
		var before = get(alice, "/api/v1/conversations/" + conversation + "/messages?before=52&limit=5");
		assertThat(json(before, "$[*].seq").toString()).isEqualTo("[47,48,49,50,51]");
		// The partitions themselves, read from Cassandra: seq / 50, so none holds more
		// than
		// the bucket size.
		assertThat(seqsInPartition(conversation, 0)).isEqualTo(range(1, 49));
		assertThat(seqsInPartition(conversation, 1)).isEqualTo(range(50, 99));
		assertThat(seqsInPartition(conversation, 2)).isEqualTo(range(100, 120));
		assertThat(seqsInPartition(conversation, 3)).isEmpty();
	}

	private List<Long> seqsInPartition(UUID conversation, long bucket) {
		return this.cassandra
			.execute("SELECT seq FROM messages WHERE conversation_id = ? AND bucket = ? ORDER BY seq ASC", conversation,
					bucket)
			.all()
			.stream()
			.map((row) -> row.getLong("seq"))
			.toList();
	}

	private static List<Long> range(long first, long last) {
		return LongStream.rangeClosed(first, last).boxed().toList();
	}

	@Test
	void aRetriedClientMessageIdIsStoredOnceAndAckedWithTheSameSeq() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "group", unique("bob"), unique("carol"));
		Timer sequenced = this.meters.get(ChatPipelineLatency.NAME).tag("stage", ChatPipelineLatency.SEQUENCED).timer();
		long sequencedBefore = sequenced.count();
		submit(conversation, alice, "same", "hello");
		awaitEvents(conversation, 1, WAIT);
		submit(conversation, alice, "other", "second");
		submit(conversation, alice, "same", "hello");
		submit(conversation, alice, "same", "hello");
		List<ChatEvent> events = awaitEvents(conversation, 4, WAIT);
		MessagePersisted first = (MessagePersisted) events.get(0);
		assertThat(events).extracting((event) -> ((MessagePersisted) event).seq()).containsExactly(1L, 2L, 1L, 1L);
		assertThat(events.subList(2, 4)).allSatisfy((event) -> {
			MessagePersisted retry = (MessagePersisted) event;
			assertThat(retry.duplicate()).isTrue();
			assertThat(retry.messageId()).isEqualTo(first.messageId());
		});
		var history = get(alice, "/api/v1/conversations/" + conversation + "/messages");
		assertThat(json(history, "$[*].body").toString()).isEqualTo("[\"hello\",\"second\"]");
		// The stage is recorded after the commit, for the two stored messages, not the
		// replays.
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (sequenced.count() < sequencedBefore + 2 && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(sequenced.count()).isEqualTo(sequencedBefore + 2);
	}

	@Test
	void nonMembersAndUnknownConversationsAreRejectedAndNothingIsStored() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		String mallory = unique("mallory");
		submit(conversation, mallory, "m-1", "let me in");
		UUID unknown = UUID.randomUUID();
		submit(unknown, alice, "u-1", "anyone?");
		MessageRejected notMember = (MessageRejected) awaitEvents(conversation, 1, WAIT).get(0);
		assertThat(notMember.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER);
		assertThat(notMember.clientMessageId()).isEqualTo("m-1");
		assertThat(notMember.origin().sessionId()).isEqualTo("session-" + mallory);
		MessageRejected noConversation = (MessageRejected) awaitEvents(unknown, 1, WAIT).get(0);
		assertThat(noConversation.code()).isEqualTo(ChatErrorCodes.UNKNOWN_CONVERSATION);
		assertThat((Integer) json(get(alice, "/api/v1/conversations/" + conversation + "/messages"), "$.length()"))
			.isEqualTo(0);
	}

	@Test
	void aRemovedMemberIsRefusedFromTheNextMessageOnInLogOrder() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = conversation(alice, "group", bob);
		submit(conversation, bob, "b-1", "before");
		awaitEvents(conversation, 1, WAIT);
		assertThat(delete(alice, "/api/v1/conversations/" + conversation + "/members/" + bob).statusCode())
			.isEqualTo(204);
		submit(conversation, bob, "b-2", "after");
		List<ChatEvent> events = awaitEvents(conversation, 2, WAIT);
		assertThat(events.get(1)).isInstanceOf(MessageRejected.class);
		assertThat(((MessageRejected) events.get(1)).code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER);
		assertThat(post(alice, "/api/v1/conversations/" + conversation + "/members/" + bob, "").statusCode())
			.isEqualTo(200);
		submit(conversation, bob, "b-3", "back");
		MessagePersisted back = (MessagePersisted) awaitEvents(conversation, 3, WAIT).get(2);
		assertThat(back.seq()).isEqualTo(2);
	}

	@Test
	void poisonRecordsGoToTheDeadLetterTopicAndTheMessagesAfterThemFlow() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		try (KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
			String poison = "{\"type\":\"MessageSubmitted.v1\",\"conversationId\":\"" + conversation
					+ "\",\"body\":\"no sender\"}";
			String blankMember = "{\"type\":\"ConversationChanged.v1\",\"conversationId\":\"" + conversation
					+ "\",\"changedAt\":\"2026-12-03T00:00:00Z\",\"added\":[\" \"],\"removed\":[]}";
			sendRaw(conversation.toString(), "not json at all " + conversation);
			sendRaw(conversation.toString(), poison);
			sendRaw(conversation.toString(), blankMember);
			// A tombstone: Jackson refused the null with an IllegalArgumentException,
			// which was retried forever, holding up the partition
			sendRaw(conversation.toString(), null);
			// A sender id over Cassandra's key limit: every attempt failed, the same way
			String hugeSender = this.codec.encode(new ChatEvent.MessageSubmitted(conversation, UUID.randomUUID(),
					"s".repeat(70_000), "c-huge", "too big a key", Instant.now(), new ChatEvent.Origin("gw", "s")));
			sendRaw(conversation.toString(), hugeSender);
			submit(conversation, alice, "ok-1", "still flowing");
			MessagePersisted persisted = (MessagePersisted) awaitEvents(conversation, 1, WAIT).get(0);
			assertThat(persisted.seq()).isEqualTo(1);
			List<String> dead = new ArrayList<>();
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (dead.size() < 5 && System.nanoTime() < deadline) {
				for (ConsumerRecord<String, String> record : deadLetters.poll(Duration.ofMillis(200))) {
					if (conversation.toString().equals(record.key())) {
						dead.add(record.value());
					}
				}
			}
			assertThat(dead).containsExactly("not json at all " + conversation, poison, blankMember, null, hugeSender);
		}
	}

	@Test
	void aBodyOverTheLimitIsRefusedToItsSenderAndTheConversationGoesOn() throws Exception {
		// Not from the gateway, which refuses it first: a body Cassandra would refuse on
		// every attempt (a message and its dedup row are one batch, and batches over
		// 50 KiB are refused) held up its partition for good.
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		int limit = this.properties.limits().maxBodyBytes();
		submit(conversation, alice, "at-limit", "é".repeat(limit / 2));
		submit(conversation, alice, "over-limit", "é".repeat(limit / 2) + "x");
		submit(conversation, alice, "huge", "x".repeat(60 * 1024));
		submit(conversation, alice, "after", "still here");
		List<ChatEvent> events = awaitEvents(conversation, 4, WAIT);
		assertThat(events.get(0)).isInstanceOfSatisfying(MessagePersisted.class,
				(stored) -> assertThat(stored.seq()).isEqualTo(1));
		for (ChatEvent refused : events.subList(1, 3)) {
			assertThat(refused).isInstanceOfSatisfying(MessageRejected.class,
					(rejected) -> assertThat(rejected.code()).isEqualTo(ChatErrorCodes.BODY_TOO_LARGE));
		}
		assertThat(events.get(3)).isInstanceOfSatisfying(MessagePersisted.class,
				(stored) -> assertThat(stored.seq()).isEqualTo(2));
	}

	@Test
	void aRestartedSequencerContinuesTheSequenceWithoutGaps() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		for (int i = 1; i <= 10; i++) {
			submit(conversation, alice, "r-" + i, "m" + i);
		}
		awaitEvents(conversation, 10, WAIT);
		this.listeners.getListenerContainer("sequencer").stop();
		try {
			for (int i = 11; i <= 20; i++) {
				submit(conversation, alice, "r-" + i, "m" + i);
			}
			submit(conversation, alice, "r-5", "m5");
		}
		finally {
			this.listeners.getListenerContainer("sequencer").start();
		}
		List<ChatEvent> events = awaitEvents(conversation, 21, Duration.ofSeconds(60));
		assertThat(events.subList(10, 21)).extracting((event) -> ((MessagePersisted) event).seq())
			.containsExactly(11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L, 5L);
	}

	@Test
	void aLateStateWriteOfASequencerThatLostItsPartitionCannotMoveTheSequenceBack() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		long submittedAt = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
		List<UUID> ids = new ArrayList<>();
		for (int i = 1; i <= 3; i++) {
			ids.add(submit(conversation, alice, "z-" + i, "m" + i));
		}
		awaitEvents(conversation, 3, WAIT);
		// The sequencer writes the state at a wall-clock time (its poll's), in µs.
		long stateWriteTime = this.cassandra
			.execute("SELECT WRITETIME(last_seq) AS written FROM conversation_state WHERE conversation_id = ?",
					conversation)
			.one()
			.getLong("written");
		assertThat(stateWriteTime).isBetween(submittedAt, TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis()));
		// A sequencer paused past the group's session timeout (a zombie) resumes and
		// writes what it had planned for seq 1 in a poll taken before the new owner's,
		// after the new owner stored seq 3.
		long zombiePolledAt = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis() - 15_000);
		this.store
			.saveProgressAsync(conversation, new StoredMessage(conversation, 1, ids.get(0), alice, "m1", Instant.now()),
					List.of(new ChatStore.WatermarkRaise(alice, new Watermarks(1, 1), true, true)), zombiePolledAt)
			.get(10, TimeUnit.SECONDS);
		assertThat(this.store.state(conversation).lastSeq()).isEqualTo(3);
		assertThat(this.store.state(conversation).lastBody()).isEqualTo("m3");

		// The next owner loads the state from Cassandra (as after a rebalance) and
		// continues after 3 instead of overwriting 2.
		this.sequencer.forgetAll();
		submit(conversation, alice, "z-4", "m4");
		List<ChatEvent> events = awaitEvents(conversation, 4, WAIT);
		assertThat(((MessagePersisted) events.get(3)).seq()).isEqualTo(4);
		var history = get(alice, "/api/v1/conversations/" + conversation + "/messages?after=0&limit=10");
		assertThat(json(history, "$[*].body").toString()).isEqualTo("[\"m1\",\"m2\",\"m3\",\"m4\"]");
	}

	@Test
	void aBatchPlannedAgainByAnotherProcessAfterARemovalStoresTheRemovedMembersMessageWithoutAGap() throws Exception {
		String alice = unique("alice");
		String xavier = unique("xavier");
		UUID conversation = conversation(alice, "group", xavier);
		UUID first = UUID.randomUUID();
		UUID second = UUID.randomUUID();
		Instant sentAt = Instant.now();
		// A first owner planned xavier's x-1 as seq 1 and alice's a-1 as seq 2, stored
		// a-1
		// and died before x-1's write landed, without committing.
		this.store.saveMessageAsync(new StoredMessage(conversation, 2, second, alice, "second", sentAt), "a-1")
			.get(10, TimeUnit.SECONDS);
		// Meanwhile xavier was removed from the members table (as an earlier version's
		// REST call did before announcing it); the removal's record comes after the batch
		// in the log.
		this.store.saveMemberRowsAsync(conversation, List.of(), List.of(xavier), Instant.now(), nowMicros())
			.get(10, TimeUnit.SECONDS);
		// The new owner, with nothing cached, polls the batch again.
		this.sequencer.forgetAll();
		send(new ChatEvent.MessageSubmitted(conversation, first, xavier, "x-1", "first", sentAt,
				new ChatEvent.Origin("test-gateway", "session-" + xavier)));
		send(new ChatEvent.MessageSubmitted(conversation, second, alice, "a-1", "second", sentAt,
				new ChatEvent.Origin("test-gateway", "session-" + alice)));
		send(ChatEvent.ConversationChanged.removed(conversation, Instant.now(), xavier));

		List<ChatEvent> events = awaitEvents(conversation, 2, WAIT);
		// (Planned against the members table, x-1 was refused and seq 1 left a gap.)
		assertThat(events).hasOnlyElementsOfType(MessagePersisted.class);
		assertThat(events).extracting((event) -> ((MessagePersisted) event).seq()).containsExactly(1L, 2L);
		var history = get(alice, "/api/v1/conversations/" + conversation + "/messages?after=0&limit=10");
		assertThat(json(history, "$[*].body").toString()).isEqualTo("[\"first\",\"second\"]");
		// From the removal's place in the log on, xavier is refused.
		submit(conversation, xavier, "x-2", "after the removal");
		assertThat(awaitEvents(conversation, 3, WAIT).get(2)).isInstanceOfSatisfying(MessageRejected.class,
				(rejected) -> assertThat(rejected.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
		assertThat(sequencedMembers(conversation)).containsExactly(alice);
	}

	@Test
	void aMessageFromANonMemberBeforeTheirAdditionStaysRefusedWhenAnotherProcessPlansTheBatchAgain() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String xavier = unique("xavier");
		UUID conversation = conversation(alice, "group", bob);
		UUID welcome;
		this.listeners.getListenerContainer("sequencer").stop();
		try {
			// xavier sends before he is a member; alice adds him, then writes.
			submit(conversation, xavier, "x-1", "too early");
			RecordMetadata added = this.producer
				.send(new ProducerRecord<>(ChatTopics.SUBMITTED, conversation.toString(),
						this.codec.encode(ChatEvent.ConversationChanged.added(conversation, Instant.now(), xavier))))
				.get(10, TimeUnit.SECONDS);
			welcome = submit(conversation, alice, "a-1", "welcome");
			// A first owner refused x-1, applied the addition, stored a-1 as seq 1,
			// and died before its state write and its commit.
			this.store.saveMemberRowsAsync(conversation, List.of(xavier), List.of(), Instant.now(), nowMicros())
				.get(10, TimeUnit.SECONDS);
			this.store
				.saveSequencedMembersAsync(conversation, List.of(alice, bob, xavier), added.partition(), added.offset(),
						nowMicros())
				.get(10, TimeUnit.SECONDS);
			this.store
				.saveMessageAsync(new StoredMessage(conversation, 1, welcome, alice, "welcome", Instant.now()), "a-1")
				.get(10, TimeUnit.SECONDS);
		}
		finally {
			this.sequencer.forgetAll();
			this.listeners.getListenerContainer("sequencer").start();
		}

		// The new owner plans x-1 as the first attempt did: checked against the members
		// after the addition, it would have taken seq 1 and overwritten a-1.
		List<ChatEvent> events = awaitEvents(conversation, 2, Duration.ofSeconds(60));
		assertThat(events.get(0)).isInstanceOfSatisfying(MessageRejected.class, (rejected) -> {
			assertThat(rejected.clientMessageId()).isEqualTo("x-1");
			assertThat(rejected.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER);
		});
		assertThat(events.get(1)).isInstanceOfSatisfying(MessagePersisted.class, (persisted) -> {
			assertThat(persisted.messageId()).isEqualTo(welcome);
			assertThat(persisted.seq()).isEqualTo(1);
		});
		submit(conversation, xavier, "x-2", "now a member");
		assertThat(awaitEvents(conversation, 3, WAIT).get(2)).isInstanceOfSatisfying(MessagePersisted.class,
				(persisted) -> assertThat(persisted.seq()).isEqualTo(2));
		var history = get(alice, "/api/v1/conversations/" + conversation + "/messages?after=0&limit=10");
		assertThat(json(history, "$[*].body").toString()).isEqualTo("[\"welcome\",\"now a member\"]");
	}

	@Test
	void aLateMembershipWriteOfASequencerThatLostItsPartitionChangesNothing() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = conversation(alice, "group", bob);
		assertThat(delete(alice, "/api/v1/conversations/" + conversation + "/members/" + bob).statusCode())
			.isEqualTo(204);
		ChatStore.SequenceState applied = this.store.sequenceState(conversation);
		// A zombie that polled 15 s ago writes what it had planned before the removal.
		long zombiePolledAt = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis() - 15_000);
		this.store.saveMemberRowsAsync(conversation, List.of(bob), List.of(), Instant.now(), zombiePolledAt)
			.get(10, TimeUnit.SECONDS);
		this.store
			.saveSequencedMembersAsync(conversation, List.of(alice, bob), applied.membersPartition(),
					applied.membersOffset() - 1, zombiePolledAt)
			.get(10, TimeUnit.SECONDS);

		assertThat(this.store.sequenceState(conversation)).isEqualTo(applied);
		assertThat((List<String>) json(get(alice, "/api/v1/conversations/" + conversation), "$.members"))
			.containsExactly(alice);
		this.sequencer.forgetAll();
		submit(conversation, bob, "b-1", "am I back?");
		assertThat(awaitEvents(conversation, 1, WAIT).get(0)).isInstanceOfSatisfying(MessageRejected.class,
				(rejected) -> assertThat(rejected.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
	}

	@Test
	void theMembersTableAndTheMembersConversationListShowAChangeOnceTheSequencerShowsItApplied() throws Exception {
		// REST answers as soon as the sequencer's members show the change, and then
		// reads the table: the rows must be written first. Polled without a pause;
		// several changes, as the order of two writes is what is tested.
		String alice = unique("alice");
		UUID conversation = conversation(alice, "group", unique("bob"));
		for (int i = 0; i < 40; i++) {
			String member = unique("m" + i);
			RecordMetadata change = this.producer
				.send(new ProducerRecord<>(ChatTopics.SUBMITTED, conversation.toString(),
						this.codec.encode(ChatEvent.ConversationChanged.added(conversation, Instant.now(), member))))
				.get(10, TimeUnit.SECONDS);
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (!this.store.sequenceState(conversation).applied(change.partition(), change.offset())) {
				assertThat(System.nanoTime() - deadline).as("applied within " + WAIT).isNegative();
			}
			assertThat(this.store.findConversation(conversation).orElseThrow().members()).contains(member);
			assertThat(this.store.conversationIdsOf(member)).containsExactly(conversation);
		}
	}

	@Test
	void aChangeNamingHundredsOfUsersIsAppliedAndTheConversationGoesOn() throws Exception {
		// 300 users with 120-character ids: one logged batch for all of them would be
		// about 100 KiB, over Cassandra's 50 KiB limit, refused on every attempt.
		String alice = unique("alice");
		UUID conversation = conversation(alice, "group", unique("bob"));
		List<String> added = new ArrayList<>();
		for (int i = 0; i < 300; i++) {
			String id = unique("u" + i);
			added.add(id + "-" + "x".repeat(119 - id.length()));
		}
		send(new ChatEvent.ConversationChanged(conversation, Instant.now(), added, List.of()));
		submit(conversation, added.get(299), "c-1", "hello from the 300th");
		assertThat(awaitEvents(conversation, 1, WAIT).get(0)).isInstanceOfSatisfying(MessagePersisted.class,
				(persisted) -> assertThat(persisted.recipients()).hasSize(302).containsAll(added));
		assertThat(this.store.findConversation(conversation).orElseThrow().members()).hasSize(302).containsAll(added);
		assertThat(this.store.conversationIdsOf(added.get(150))).containsExactly(conversation);

		send(new ChatEvent.ConversationChanged(conversation, Instant.now(), List.of(), added));
		submit(conversation, added.get(0), "c-2", "after the removal");
		assertThat(awaitEvents(conversation, 2, WAIT).get(1)).isInstanceOf(MessageRejected.class);
		assertThat(this.store.findConversation(conversation).orElseThrow().members()).hasSize(2);
		assertThat(this.store.conversationIdsOf(added.get(150))).isEmpty();
	}

	@Test
	void aConversationWithoutSequencedMembersUsesTheMembersTableAndARecordOfTheFirstFormatRereadsIt() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		UUID conversation = conversation(alice, "group", bob);
		// As a conversation created before the sequencer kept its own members.
		this.cassandra.execute("DELETE members FROM conversation_state WHERE conversation_id = ?", conversation);
		this.sequencer.forgetAll();
		submit(conversation, bob, "b-1", "from the table's member");
		assertThat(awaitEvents(conversation, 1, WAIT).get(0)).isInstanceOf(MessagePersisted.class);

		// An earlier version's REST removal: the table, then a record naming no change.
		this.store.saveMemberRowsAsync(conversation, List.of(), List.of(bob), Instant.now(), nowMicros())
			.get(10, TimeUnit.SECONDS);
		sendRaw(conversation.toString(), "{\"type\":\"ConversationChanged.v1\",\"conversationId\":\"" + conversation
				+ "\",\"changedAt\":\"" + Instant.now() + "\"}");
		submit(conversation, bob, "b-2", "after the removal");
		assertThat(awaitEvents(conversation, 2, WAIT).get(1)).isInstanceOfSatisfying(MessageRejected.class,
				(rejected) -> assertThat(rejected.code()).isEqualTo(ChatErrorCodes.NOT_A_MEMBER));
		assertThat(sequencedMembers(conversation)).containsExactly(alice);
	}

	private static long nowMicros() {
		return TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
	}

	private java.util.Set<String> sequencedMembers(UUID conversation) {
		return this.cassandra.execute("SELECT members FROM conversation_state WHERE conversation_id = ?", conversation)
			.one()
			.getSet("members", String.class);
	}

	private KafkaConsumer<String, String> deadLetterConsumer() {
		return TopicConsumers.fromEnd(ChatTopics.deadLetter(ChatTopics.SUBMITTED),
				Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
	}

}
