package dev.blueprint.chat.message.sequencing;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessageSubmitted;
import dev.blueprint.chat.contracts.ChatEvent.ReceiptSubmitted;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatPipelineLatency;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.GatewayDelivery.Receipt;
import dev.blueprint.chat.message.ChatMessageProperties;
import dev.blueprint.chat.message.conversations.StoredMessage;
import dev.blueprint.chat.message.receipts.core.ReceiptPlanner;
import dev.blueprint.chat.message.receipts.core.Watermarks;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Accepted;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.DedupKey;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.LogPosition;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Duplicate;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Outcome;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Plan;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Rejected;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Snapshot;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.StoredRef;
import dev.blueprint.chat.message.storage.ChatStore;
import dev.blueprint.platform.tracing.MessageTracing;
import dev.blueprint.platform.tracing.TracedRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The single writer of every conversation's sequence. Conversations are keyed to Kafka
 * partitions, and a partition has one consumer in the group, so one thread sequences a
 * conversation at a time. Each poll is one Kafka transaction: the batch's
 * MessagePersisted/MessageRejected events are produced (invisible to read_committed
 * consumers until the commit) while its messages are written to Cassandra, and once the
 * writes have succeeded the consumed offsets are committed atomically with the events. A
 * consumer that lost its partition (a zombie) cannot commit: the group generation fences
 * its transaction, so its events are never visible to read_committed consumers and the
 * new owner replays the batch, reusing the seqs already stored through the dedup table.
 * On any failure the transaction aborts, the in-memory state of the batch's conversations
 * is put back as it was when the poll began (so the retry is planned against the same
 * members and seqs), and the batch is retried from Kafka after a back-off, as long as it
 * takes: offsets are committed only after the work is durable.
 * <p>
 * A batch listener runs outside any one record's trace, so each event is produced in a
 * {@code chat.sequence} span continuing the trace of the submission it answers (its
 * record's {@code traceparent}): one message keeps one trace id from the gateway to
 * notification-service.
 */
public class Sequencer {

	private static final Logger logger = LoggerFactory.getLogger(Sequencer.class);

	/** Receipts by {@code type} (delivered, read) and {@code outcome}. */
	public static final String RECEIPTS_METRIC = "blueprint.chat.receipts";

	/** Cassandra requests one batch keeps in flight at most. */
	private static final int MAX_IN_FLIGHT = 256;

	/** The longest user id or clientMessageId a record may carry ({@link #key}). */
	static final int MAX_KEY_LENGTH = 1024;

	private final ChatStore store;

	private final KafkaTemplate<String, String> kafka;

	private final ChatEventCodec codec;

	private final Cache<UUID, Snapshot> snapshots;

	private final Cache<ReceiptPlanner.Key, Watermarks> watermarks;

	private final Timer batchTimer;

	private final Timer waitTimer;

	/**
	 * Per partition of the submissions topic, the highest offset whose wait was recorded:
	 * a batch polled again after a failure is not counted twice.
	 */
	private final Map<Integer, Long> waitRecordedUpTo = new ConcurrentHashMap<>();

	private final Counter accepted;

	private final Counter duplicates;

	private final MeterRegistry meters;

	private final Counter deadLettered;

	private final Counter groupFull;

	private final Counter batchFailures;

	/** {@code chat.limits.max-group-members}: additions beyond it are not applied. */
	private final int maxGroupMembers;

	/** {@code chat.limits.max-body-bytes}: a new message's larger body is refused. */
	private final int maxBodyBytes;

	private final Clock clock;

	private final Timer sequenced;

	private final MessageTracing tracing;

	/** The write time (µs) of the last sequence state this instance wrote. */
	private final AtomicLong lastStateWriteTime = new AtomicLong();

	public Sequencer(ChatStore store, KafkaTemplate<String, String> kafka, ChatEventCodec codec,
			Duration membershipCacheTtl, ChatMessageProperties.Limits limits, MeterRegistry meters, Clock clock,
			MessageTracing tracing) {
		if (!kafka.isTransactional()) {
			// The events of a batch are sent before its writes are durable: only the
			// transaction keeps them invisible until then (and discards them on failure).
			throw new IllegalStateException("The sequencer needs a transactional KafkaTemplate "
					+ "(spring.kafka.producer.transaction-id-prefix)");
		}
		this.store = store;
		this.maxGroupMembers = limits.maxGroupMembers();
		this.maxBodyBytes = limits.maxBodyBytes();
		this.tracing = tracing;
		this.clock = clock;
		this.sequenced = ChatPipelineLatency.timer(meters, ChatPipelineLatency.SEQUENCED);
		this.kafka = kafka;
		this.codec = codec;
		this.meters = meters;
		this.snapshots = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(membershipCacheTtl).build();
		this.watermarks = Caffeine.newBuilder().maximumSize(200_000).expireAfterAccess(Duration.ofMinutes(10)).build();
		this.batchTimer = Timer.builder("blueprint.chat.sequencer.batch")
			.description("Time to sequence, store and publish one polled batch")
			.publishPercentileHistogram()
			.register(meters);
		this.waitTimer = Timer.builder("blueprint.chat.sequencer.wait")
			.description("Time from a submission's record timestamp (the gateway's send) until a poll "
					+ "handed it to the sequencer")
			.publishPercentileHistogram()
			.register(meters);
		this.accepted = outcomeCounter("accepted");
		this.duplicates = outcomeCounter("duplicate");
		this.deadLettered = Counter.builder("blueprint.chat.sequencer.dead.letters")
			.description("Records sent to the dead-letter topic because they could not be read")
			.register(meters);
		this.batchFailures = Counter.builder("blueprint.chat.sequencer.batch.failures")
			.description("Sequencer batches that failed and are retried (their partitions wait): Cassandra or "
					+ "Kafka failing, or a record that fails every time")
			.register(meters);
		this.groupFull = Counter.builder("blueprint.chat.sequencer.group.full")
			.description("Membership changes whose additions did not all join: the group had its maximum")
			.register(meters);
	}

	private Counter outcomeCounter(String outcome) {
		return Counter.builder("blueprint.chat.messages.sequenced")
			.description("Submitted messages by outcome")
			.tag("outcome", outcome)
			.register(this.meters);
	}

	@KafkaListener(id = "sequencer", topics = ChatTopics.SUBMITTED, batch = "true")
	public void onBatch(List<ConsumerRecord<String, String>> records) {
		Timer.Sample sample = Timer.start();
		List<Instant> acceptedSentAt = new ArrayList<>();
		Map<MessageSubmitted, Headers> origins = new IdentityHashMap<>();
		Map<MessageSubmitted, LogPosition> positions = new IdentityHashMap<>();
		long polledAt = this.clock.millis();
		// What this poll's conversations were when it first needed them: a failed poll
		// puts them back, so that its retry is planned against the members and seqs the
		// first attempt saw. Per poll: with concurrency > 1 every consumer thread runs
		// here.
		Poll poll = new Poll(polledAt, new HashMap<>());
		records.forEach((record) -> recordWait(record, polledAt));
		try {
			List<ChatEvent> pending = new ArrayList<>();
			for (ConsumerRecord<String, String> record : records) {
				ChatEvent event;
				try {
					event = this.codec.decode(record.value());
				}
				catch (ChatEventCodec.MalformedEventException ex) {
					deadLetter(record, ex.getMessage());
					continue;
				}
				if (event instanceof MessageSubmitted submitted && valid(submitted)) {
					pending.add(submitted);
					origins.put(submitted, record.headers());
					positions.put(submitted, positionOf(record));
				}
				else if (event instanceof ReceiptSubmitted receipt && valid(receipt)) {
					pending.add(receipt);
				}
				else if (event instanceof ChatEvent.ConversationChanged changed && valid(changed)) {
					sequence(pending, acceptedSentAt, origins, positions, poll);
					pending.clear();
					applyMembershipChange(changed, positionOf(record), poll);
				}
				else {
					deadLetter(record, "not a valid submission: " + event.getClass().getSimpleName());
				}
			}
			sequence(pending, acceptedSentAt, origins, positions, poll);
			recordAfterCommit(acceptedSentAt);
		}
		catch (RuntimeException ex) {
			// The transaction rolls back and the batch is polled again: put back what
			// this batch advanced in memory, so that the retry starts where the first
			// attempt did (what it wrote to Cassandra may be ahead of that; the retry
			// recognizes its own stored records).
			poll.start().forEach(this.snapshots::put);
			// Counted for the alert BlueprintChatSequencerBatchesFailing: readiness stays
			// UP while Kafka and Cassandra answer, and the consumer's lag, measured from
			// its fetch position, stays near 0 while the same batch is retried.
			this.batchFailures.increment();
			logger.warn("Batch of {} records failed and will be retried: {}", records.size(), ex.toString());
			throw ex;
		}
		finally {
			sample.stop(this.batchTimer);
		}
	}

	private void recordWait(ConsumerRecord<String, String> record, long polledAt) {
		Long recordedUpTo = this.waitRecordedUpTo.get(record.partition());
		if (recordedUpTo == null || record.offset() > recordedUpTo) {
			this.waitRecordedUpTo.put(record.partition(), record.offset());
			this.waitTimer.record(Math.max(0, polledAt - record.timestamp()), TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * Forgets every cached sequence, e.g. when partitions move to or from this consumer.
	 */
	public void forgetAll() {
		this.snapshots.invalidateAll();
		this.watermarks.invalidateAll();
	}

	private static boolean valid(MessageSubmitted message) {
		return message.messageId() != null && key(message.senderId()) && key(message.clientMessageId())
				&& message.body() != null && message.submittedAt() != null;
	}

	/**
	 * A user id or clientMessageId the sequencer can use as part of a Cassandra key:
	 * present, not blank, and at most {@value #MAX_KEY_LENGTH} characters. The gateway
	 * sends at most 64 (clientMessageId) and the REST API takes user ids of at most 128;
	 * a record from elsewhere with a key over Cassandra's 64 KiB would fail every attempt
	 * and hold up its partition, so it is dead-lettered.
	 */
	private static boolean key(String value) {
		return value != null && !value.isBlank() && value.length() <= MAX_KEY_LENGTH;
	}

	private static boolean valid(ChatEvent.ConversationChanged changed) {
		return validUserIds(changed.added()) && validUserIds(changed.removed());
	}

	private static boolean validUserIds(List<String> users) {
		return users == null || users.stream().allMatch(Sequencer::key);
	}

	private static boolean valid(ReceiptSubmitted receipt) {
		return key(receipt.userId()) && receipt.seq() >= 1
				&& (Receipt.DELIVERED.equals(receipt.kind()) || Receipt.READ.equals(receipt.kind()));
	}

	/**
	 * Records the {@code sequenced} stage once the poll's transaction has committed (the
	 * events are visible downstream only then), or now when there is no transaction.
	 */
	private void recordAfterCommit(List<Instant> sentAt) {
		if (sentAt.isEmpty()) {
			return;
		}
		afterCommit(() -> {
			Instant now = this.clock.instant();
			sentAt.forEach((sent) -> this.sequenced.record(Duration.between(sent, now)));
		});
	}

	private static void afterCommit(Runnable record) {
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					record.run();
				}
			});
		}
		else {
			record.run();
		}
	}

	private void sequence(List<ChatEvent> items, List<Instant> acceptedSentAt, Map<MessageSubmitted, Headers> origins,
			Map<MessageSubmitted, LogPosition> positions, Poll poll) {
		if (items.isEmpty()) {
			return;
		}
		List<MessageSubmitted> batch = new ArrayList<>(items.size());
		items.forEach((item) -> {
			if (item instanceof MessageSubmitted message) {
				batch.add(message);
			}
		});
		Map<UUID, Snapshot> conversations = loadConversations(items, poll.start());
		Map<DedupKey, StoredRef> stored = loadDedup(batch, conversations);
		Plan plan = SequencePlanner.plan(batch, conversations, stored, positions::get, this.maxBodyBytes);
		// The outcomes go to Kafka first, to travel while Cassandra stores the batch.
		// In the poll's transaction they stay invisible to read_committed consumers
		// until the writes below succeed and the transaction commits; a failed write
		// aborts them. (Sent after the writes, they made commitTransaction wait.)
		publishOutcomes(plan, acceptedSentAt, origins);

		List<CompletableFuture<Void>> writes = new ArrayList<>();
		for (Accepted accepted : plan.accepted()) {
			writes.add(this.store.saveMessageAsync(stored(accepted), accepted.message().clientMessageId()));
			if (writes.size() >= MAX_IN_FLIGHT / 2) {
				await(writes);
				writes.clear();
			}
		}
		await(writes);
		writes.clear();
		PlannedReceipts receipts = planReceipts(items, plan, conversations);
		saveProgress(plan, receipts, poll);
		// The cached watermarks follow only once the transaction commits: a batch that is
		// rolled back and replayed finds them as they were and announces its receipts
		// again. Not a member's that was not cached: read from Cassandra during the
		// replay, it may hold the failed attempt's write, and that receipt is stored but
		// not announced (clients read it over REST, as after any lost push).
		afterCommit(() -> receipts.moved().forEach(this.watermarks::put));
		plan.lastSeqs()
			.forEach((conversation, seq) -> this.snapshots.put(conversation,
					conversations.get(conversation).withLastSeq(seq)));

		for (ReceiptPlanner.Decision decision : receipts.decisions()) {
			publish(decision);
		}
	}

	private void publishOutcomes(Plan plan, List<Instant> acceptedSentAt, Map<MessageSubmitted, Headers> origins) {
		for (Outcome outcome : plan.outcomes()) {
			MessageSubmitted message = outcome.message();
			ChatEvent event;
			if (outcome instanceof Accepted a) {
				acceptedSentAt.add(message.submittedAt());
				event = new ChatEvent.MessagePersisted(message.conversationId(), a.seq(), message.messageId(),
						message.senderId(), message.clientMessageId(), message.body(), message.submittedAt(),
						a.recipients(), false, message.origin());
			}
			else if (outcome instanceof Duplicate d) {
				event = new ChatEvent.MessagePersisted(message.conversationId(), d.seq(), d.messageId(),
						message.senderId(), message.clientMessageId(), message.body(), message.submittedAt(),
						d.recipients(), true, message.origin());
			}
			else {
				Rejected r = (Rejected) outcome;
				event = new ChatEvent.MessageRejected(message.conversationId(), message.senderId(),
						message.clientMessageId(), r.code(), r.reason(), message.origin());
			}
			String encoded = this.codec.encode(event);
			Headers origin = origins.get(message);
			this.tracing.inSpan("chat.sequence", (name) -> header(origin, name), () -> this.kafka
				.send(TracedRecords.of(this.tracing, ChatTopics.EVENTS, message.conversationId().toString(), encoded)));
		}
		// Counted once the transaction commits: a batch that is rolled back and replayed
		// counts its outcomes once.
		afterCommit(() -> plan.outcomes().forEach(this::countOutcome));
	}

	/**
	 * Writes each touched conversation's new sequence state (after its messages, so the
	 * state never names a seq that is not stored) together with its moved watermarks: one
	 * request per conversation.
	 */
	private void saveProgress(Plan plan, PlannedReceipts receipts, Poll poll) {
		long writeTime = nextStateWriteTime(poll.polledAt());
		Map<UUID, List<ChatStore.WatermarkRaise>> raises = new LinkedHashMap<>();
		receipts.moved().forEach((key, after) -> {
			Watermarks before = receipts.before().getOrDefault(key, Watermarks.NONE);
			raises.computeIfAbsent(key.conversationId(), (id) -> new ArrayList<>())
				.add(new ChatStore.WatermarkRaise(key.userId(), after, after.delivered() > before.delivered(),
						after.read() > before.read()));
		});
		Set<UUID> touched = new LinkedHashSet<>(plan.lastSeqs().keySet());
		touched.addAll(raises.keySet());
		List<CompletableFuture<Void>> writes = new ArrayList<>();
		for (UUID conversation : touched) {
			StoredMessage last = plan.lastAcceptedOf(conversation).map(Sequencer::stored).orElse(null);
			writes.add(this.store.saveProgressAsync(conversation, last, raises.getOrDefault(conversation, List.of()),
					writeTime));
			if (writes.size() >= MAX_IN_FLIGHT / 2) {
				await(writes);
				writes.clear();
			}
		}
		await(writes);
	}

	/**
	 * Plans the receipts of the batch against the conversations at their place in the log
	 * (the messages' outcomes are in batch order): a sender has read up to their own
	 * message, and each submitted receipt is recorded, unchanged or refused.
	 */
	private PlannedReceipts planReceipts(List<ChatEvent> items, Plan plan, Map<UUID, Snapshot> conversations) {
		List<ReceiptPlanner.Step> steps = new ArrayList<>();
		int next = 0;
		for (ChatEvent item : items) {
			if (item instanceof MessageSubmitted) {
				Outcome outcome = plan.outcomes().get(next++);
				if (outcome instanceof Accepted accepted) {
					steps.add(new ReceiptPlanner.OwnMessage(item.conversationId(), accepted.message().senderId(),
							accepted.seq()));
				}
			}
			else if (item instanceof ReceiptSubmitted receipt) {
				steps.add(new ReceiptPlanner.ReceiptStep(receipt));
			}
		}
		if (steps.isEmpty()) {
			return PlannedReceipts.NONE;
		}
		Map<ReceiptPlanner.Key, Watermarks> current = loadWatermarks(steps, conversations);
		ReceiptPlanner.Plan receipts = ReceiptPlanner.plan(steps, conversations, current);
		return new PlannedReceipts(receipts.decisions(), receipts.moved(), current);
	}

	private Map<ReceiptPlanner.Key, Watermarks> loadWatermarks(List<ReceiptPlanner.Step> steps,
			Map<UUID, Snapshot> conversations) {
		Map<ReceiptPlanner.Key, Watermarks> known = new HashMap<>();
		Map<ReceiptPlanner.Key, CompletableFuture<Watermarks>> loading = new HashMap<>();
		for (ReceiptPlanner.Step step : steps) {
			ReceiptPlanner.Key key = (step instanceof ReceiptPlanner.OwnMessage own)
					? new ReceiptPlanner.Key(own.conversationId(), own.senderId())
					: new ReceiptPlanner.Key(((ReceiptPlanner.ReceiptStep) step).receipt().conversationId(),
							((ReceiptPlanner.ReceiptStep) step).receipt().userId());
			if (!conversations.containsKey(key.conversationId()) || known.containsKey(key)
					|| loading.containsKey(key)) {
				continue;
			}
			Watermarks cached = this.watermarks.getIfPresent(key);
			if (cached != null) {
				known.put(key, cached);
			}
			else {
				if (loading.size() % MAX_IN_FLIGHT == 0) {
					awaitAll(loading.values());
				}
				loading.put(key, this.store.watermarksAsync(key.conversationId(), key.userId()));
			}
		}
		loading.forEach((key, future) -> known.put(key, join(future)));
		return known;
	}

	private void publish(ReceiptPlanner.Decision decision) {
		ReceiptSubmitted receipt = decision.receipt();
		String outcome;
		ChatEvent event = null;
		if (decision instanceof ReceiptPlanner.Recorded recorded) {
			outcome = "recorded";
			event = new ChatEvent.ReceiptRecorded(receipt.conversationId(), receipt.userId(), receipt.kind(),
					receipt.seq(), receipt.submittedAt(), recorded.members(), receipt.origin());
		}
		else if (decision instanceof ReceiptPlanner.Refused refused) {
			outcome = refused.code();
			event = new ChatEvent.MessageRejected(receipt.conversationId(), receipt.userId(), null, refused.code(),
					refused.reason(), receipt.origin());
		}
		else {
			outcome = "unchanged";
		}
		if (event != null) {
			this.kafka.send(TracedRecords.of(this.tracing, ChatTopics.EVENTS, receipt.conversationId().toString(),
					this.codec.encode(event)));
		}
		Counter.builder(RECEIPTS_METRIC)
			.description("Receipts by type and outcome (recorded, unchanged, or the error code)")
			.tag("type", receipt.kind())
			.tag("outcome", outcome)
			.register(this.meters)
			.increment();
	}

	/**
	 * A batch's receipt decisions, the watermarks they moved (to what) and the watermarks
	 * before the batch.
	 */
	private record PlannedReceipts(List<ReceiptPlanner.Decision> decisions, Map<ReceiptPlanner.Key, Watermarks> moved,
			Map<ReceiptPlanner.Key, Watermarks> before) {

		static final PlannedReceipts NONE = new PlannedReceipts(List.of(), Map.of(), Map.of());

	}

	private static String header(Headers headers, String name) {
		Header header = (headers != null) ? headers.lastHeader(name) : null;
		return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
	}

	private void countOutcome(Outcome outcome) {
		if (outcome instanceof Accepted) {
			this.accepted.increment();
		}
		else if (outcome instanceof Duplicate) {
			this.duplicates.increment();
		}
		else if (outcome instanceof Rejected rejected) {
			outcomeCounter(rejected.code()).increment();
		}
	}

	private static StoredMessage stored(Accepted accepted) {
		MessageSubmitted message = accepted.message();
		return new StoredMessage(message.conversationId(), accepted.seq(), message.messageId(), message.senderId(),
				message.body(), message.submittedAt());
	}

	/**
	 * The write time of a sequence state written for a poll taken at {@code polledAt}:
	 * the poll's time in microseconds, and above every earlier one of this instance. A
	 * sequencer that lost its partitions while paused (a zombie: the transaction fences
	 * its events and offsets, not its Cassandra writes) polled before the new owner
	 * could, so its late state write carries the older time and cannot set the
	 * conversation back below what the new owner stored; with the driver's time of
	 * execution it did, and the next owner to load that state handed out stored seqs
	 * again.
	 */
	private long nextStateWriteTime(long polledAt) {
		long polledAtMicros = TimeUnit.MILLISECONDS.toMicros(polledAt);
		return this.lastStateWriteTime.updateAndGet((previous) -> Math.max(previous + 1, polledAtMicros));
	}

	/**
	 * Applies a membership change at its place in the log: the conversation's members
	 * change in memory, in {@code conversation_state.members} (with the record's place in
	 * the log) and in the members table, all written at the poll's time like the sequence
	 * state. The log is the only source of membership: REST announces a change and waits
	 * until it shows here, so the table follows the log's order too, and a batch planned
	 * again by another process (after a crash, or a zombie's) finds the members its first
	 * attempt had at each record — a removed member's message that the first attempt
	 * planned but did not store is stored with its seq, not refused leaving a gap.
	 */
	private void applyMembershipChange(ChatEvent.ConversationChanged changed, LogPosition at, Poll poll) {
		UUID id = changed.conversationId();
		Snapshot current = loadConversations(List.of(changed), poll.start()).get(id);
		if (current == null) {
			return;
		}
		if (at.isBefore(current.membersFrom())) {
			// Applied already: the members were loaded as a later change left them.
			return;
		}
		long writeTime = nextStateWriteTime(poll.polledAt());
		Snapshot next;
		CompletableFuture<Void> rows;
		if (changed.describesChange()) {
			next = current.withChange(orEmpty(changed.added()), orEmpty(changed.removed()), at, this.maxGroupMembers);
			List<String> joined = orEmpty(changed.added()).stream().filter(next.members()::contains).toList();
			if (joined.size() < orEmpty(changed.added()).size()) {
				this.groupFull.increment();
				logger.info("Group {} has its maximum of {} members: not added {}", id, this.maxGroupMembers,
						orEmpty(changed.added()).stream().filter((user) -> !joined.contains(user)).toList());
			}
			Instant joinedAt = (changed.changedAt() != null) ? changed.changedAt()
					: Instant.ofEpochMilli(poll.polledAt());
			rows = this.store.saveMemberRowsAsync(id, joined, orEmpty(changed.removed()), joinedAt, writeTime);
		}
		else {
			// A record of the first format names no change (its sender changed the
			// table itself): the members table as it is now, as before.
			next = join(this.store.findConversationAsync(id))
				.map((conversation) -> new Snapshot(sorted(conversation.members()), current.lastSeq(), at))
				.orElse(current);
			rows = CompletableFuture.completedFuture(null);
		}
		// The rows first, then the sequencer's members with the change's position: REST
		// answers once the position shows and reads the table and the member's list,
		// which must show the change by then.
		join(rows.thenCompose((written) -> this.store.saveSequencedMembersAsync(id, next.members(), at.partition(),
				at.offset(), writeTime)));
		this.snapshots.put(id, next);
	}

	private static LogPosition positionOf(ConsumerRecord<String, String> record) {
		return new LogPosition(record.partition(), record.offset());
	}

	private static List<String> orEmpty(List<String> users) {
		return (users != null) ? users : List.of();
	}

	private static List<String> sorted(java.util.Collection<String> members) {
		return members.stream().sorted().toList();
	}

	/**
	 * A poll: when it was taken, and its conversations as they were when it first needed
	 * them.
	 */
	private record Poll(long polledAt, Map<UUID, Snapshot> start) {
	}

	private Map<UUID, Snapshot> loadConversations(List<ChatEvent> batch, Map<UUID, Snapshot> pollStart) {
		Set<UUID> ids = new LinkedHashSet<>();
		batch.forEach((message) -> ids.add(message.conversationId()));
		Map<UUID, Snapshot> known = new HashMap<>();
		Map<UUID, CompletableFuture<Optional<Snapshot>>> loading = new HashMap<>();
		for (UUID id : ids) {
			Snapshot cached = this.snapshots.getIfPresent(id);
			if (cached != null) {
				known.put(id, cached);
				pollStart.putIfAbsent(id, cached);
			}
			else {
				if (loading.size() % (MAX_IN_FLIGHT / 3) == 0) {
					awaitAll(loading.values());
				}
				loading.put(id, this.store.sequenceStateAsync(id).thenCompose((state) -> {
					if (state.members() != null) {
						LogPosition from = (state.membersPartition() != null)
								? new LogPosition(state.membersPartition(), state.membersOffset()) : null;
						return CompletableFuture
							.completedFuture(Optional.of(new Snapshot(sorted(state.members()), state.lastSeq(), from)));
					}
					// Never written (created before the column existed, and unchanged
					// since): the members table.
					return this.store.findConversationAsync(id)
						.thenApply((found) -> found.map((c) -> new Snapshot(sorted(c.members()), state.lastSeq())));
				}));
			}
		}
		loading.forEach((id, future) -> join(future).ifPresent((snapshot) -> {
			known.put(id, snapshot);
			this.snapshots.put(id, snapshot);
			pollStart.putIfAbsent(id, snapshot);
		}));
		return known;
	}

	private Map<DedupKey, StoredRef> loadDedup(List<MessageSubmitted> batch, Map<UUID, Snapshot> conversations) {
		Map<DedupKey, CompletableFuture<Optional<ChatStore.StoredRef>>> lookups = new HashMap<>();
		for (MessageSubmitted message : batch) {
			if (conversations.containsKey(message.conversationId())) {
				if (lookups.size() % MAX_IN_FLIGHT == 0) {
					awaitAll(lookups.values());
				}
				lookups.computeIfAbsent(DedupKey.of(message), (key) -> this.store.findDedupAsync(key.conversationId(),
						key.senderId(), key.clientMessageId()));
			}
		}
		Map<DedupKey, StoredRef> stored = new HashMap<>();
		lookups.forEach((key, future) -> join(future)
			.ifPresent((ref) -> stored.put(key, new StoredRef(ref.seq(), ref.messageId()))));
		return stored;
	}

	private void deadLetter(ConsumerRecord<String, String> record, String reason) {
		logger.warn("Dead-lettering record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
		this.kafka.send(ChatTopics.deadLetter(record.topic()), record.key(), record.value());
		this.deadLettered.increment();
	}

	/**
	 * Waits for every request sent so far, so that one batch never has more than
	 * {@link #MAX_IN_FLIGHT} Cassandra requests in flight: the driver refuses requests
	 * beyond its per-connection limit, which rolled back whole batches in the benchmark.
	 */
	private static void awaitAll(java.util.Collection<? extends CompletableFuture<?>> pending) {
		CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally((failure) -> null).join();
	}

	private static void await(List<CompletableFuture<Void>> writes) {
		join(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
	}

	private static <T> T join(CompletableFuture<T> future) {
		return ChatStore.join(future);
	}

}
