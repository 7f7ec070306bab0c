package dev.blueprint.chat.message.storage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.blueprint.chat.message.conversations.Conversation;
import dev.blueprint.chat.message.conversations.ConversationState;
import dev.blueprint.chat.message.conversations.StoredMessage;
import dev.blueprint.chat.message.receipts.core.Watermarks;
import io.github.resilience4j.bulkhead.Bulkhead;

/**
 * Every Cassandra read and write of chat-message-service. Reads and writes use
 * {@code LOCAL_QUORUM} (set on the session:
 * {@code spring.cassandra.request.consistency}); the one lightweight transaction (a
 * direct conversation's pair) uses {@code LOCAL_SERIAL}. Receipt watermarks are monotonic
 * without a lightweight transaction: each is written with its seq as the write timestamp.
 * <p>
 * A store made with a {@link Bulkhead} takes a permit for each request and returns it
 * when the request completes: the REST API's store, whose calls together keep at most the
 * bulkhead's permits in flight (a request that waits longer than the bulkhead's wait
 * throws {@code BulkheadFullException}). The sequencer's store has none.
 */
public class ChatStore {

	/**
	 * Writes one call keeps in flight at most (the driver queues 1,024 per connection).
	 */
	private static final int MAX_IN_FLIGHT = 256;

	/**
	 * The write time (µs) of a conversation's first members, rows and sequenced members:
	 * below every write time the sequencer uses, so its first change wins whatever the
	 * instances' clocks.
	 */
	private static final long CREATION_WRITE_TIME = 1;

	/**
	 * How long a membership announcement is kept: it matters only until the sequencer has
	 * applied the change (seconds, or as long as the sequencer is stopped). One row per
	 * member changed, which it keeps from piling up.
	 */
	static final Duration ANNOUNCEMENT_TTL = Duration.ofDays(1);

	/** How long a group create's Idempotency-Key keeps the id of its conversation. */
	public static final Duration REQUEST_KEY_TTL = Duration.ofDays(1);

	private final CqlSession session;

	/** Permits for this store's requests; {@code null}: none needed (the sequencer's). */
	private final Bulkhead requests;

	private final int bucketSize;

	private final Duration dedupWindow;

	private final PreparedStatement insertConversation;

	private final PreparedStatement insertConversationOnce;

	private final PreparedStatement insertMemberAt;

	private final PreparedStatement insertUserConversationAt;

	private final PreparedStatement deleteMemberAt;

	private final PreparedStatement deleteUserConversationAt;

	private final PreparedStatement claimPair;

	private final PreparedStatement claimRequest;

	private final PreparedStatement selectConversation;

	private final PreparedStatement selectMembers;

	private final PreparedStatement selectMember;

	private final PreparedStatement selectUserConversations;

	private final PreparedStatement selectUserConversationsUpTo;

	private final PreparedStatement selectState;

	private final PreparedStatement updateState;

	private final PreparedStatement selectSequenceState;

	private final PreparedStatement updateSequencedMembers;

	private final PreparedStatement insertMessage;

	private final PreparedStatement insertDedup;

	private final PreparedStatement selectDedup;

	private final PreparedStatement selectAfter;

	private final PreparedStatement selectBefore;

	private final PreparedStatement raiseDelivered;

	private final PreparedStatement raiseRead;

	private final PreparedStatement raiseBoth;

	private final PreparedStatement selectReceipts;

	private final PreparedStatement selectReceipt;

	private final PreparedStatement insertAnnouncement;

	private final PreparedStatement selectAnnouncement;

	/** A store whose requests take no permits (the sequencer's). */
	public ChatStore(CqlSession session, int bucketSize, Duration dedupWindow) {
		this(session, bucketSize, dedupWindow, null);
	}

	private ChatStore(CqlSession session, int bucketSize, Duration dedupWindow, Bulkhead requests) {
		this.session = session;
		this.requests = requests;
		this.dedupWindow = dedupWindow;
		this.bucketSize = bucketSize;
		this.insertConversation = session
			.prepare("INSERT INTO conversations (id, type, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)");
		this.insertConversationOnce = session.prepare("INSERT INTO conversations (id, type, name, created_by, "
				+ "created_at) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
		this.insertMemberAt = session.prepare("INSERT INTO conversation_members (conversation_id, user_id, joined_at) "
				+ "VALUES (?, ?, ?) USING TIMESTAMP ?");
		this.insertUserConversationAt = session.prepare("INSERT INTO user_conversations (user_id, conversation_id, "
				+ "joined_at) VALUES (?, ?, ?) USING TIMESTAMP ?");
		this.deleteMemberAt = session
			.prepare("DELETE FROM conversation_members USING TIMESTAMP ? WHERE conversation_id = ? AND user_id = ?");
		this.deleteUserConversationAt = session
			.prepare("DELETE FROM user_conversations USING TIMESTAMP ? WHERE user_id = ? AND conversation_id = ?");
		this.claimPair = session
			.prepare("INSERT INTO direct_conversations (pair, conversation_id) VALUES (?, ?) IF NOT EXISTS");
		this.claimRequest = session.prepare("INSERT INTO conversation_requests (user_id, idempotency_key, "
				+ "conversation_id, request_hash) VALUES (?, ?, ?, ?) IF NOT EXISTS USING TTL "
				+ REQUEST_KEY_TTL.toSeconds());
		this.selectConversation = session
			.prepare("SELECT type, name, created_by, created_at FROM conversations WHERE id = ?");
		this.selectMembers = session.prepare("SELECT user_id FROM conversation_members WHERE conversation_id = ?");
		this.selectMember = session
			.prepare("SELECT user_id FROM conversation_members WHERE conversation_id = ? AND user_id = ?");
		this.selectUserConversations = session
			.prepare("SELECT conversation_id FROM user_conversations WHERE user_id = ?");
		this.selectUserConversationsUpTo = session
			.prepare("SELECT conversation_id FROM user_conversations WHERE user_id = ? LIMIT ?");
		this.selectState = session.prepare("SELECT last_seq, last_message_id, last_sender, last_body, last_sent_at "
				+ "FROM conversation_state WHERE conversation_id = ?");
		// The write time is the sequencer's (saveProgressAsync).
		this.updateState = session.prepare("UPDATE conversation_state USING TIMESTAMP ? SET last_seq = ?, "
				+ "last_message_id = ?, last_sender = ?, last_body = ?, last_sent_at = ? WHERE conversation_id = ?");
		this.selectSequenceState = session
			.prepare("SELECT last_seq, members, members_partition, members_offset FROM conversation_state "
					+ "WHERE conversation_id = ?");
		this.updateSequencedMembers = session.prepare("UPDATE conversation_state USING TIMESTAMP ? SET members = ?, "
				+ "members_partition = ?, members_offset = ? WHERE conversation_id = ?");
		this.insertMessage = session.prepare("INSERT INTO messages (conversation_id, bucket, seq, message_id, "
				+ "sender_id, client_message_id, body, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
		this.insertDedup = session.prepare("INSERT INTO message_dedup (conversation_id, sender_id, client_message_id, "
				+ "seq, message_id) VALUES (?, ?, ?, ?, ?) USING TTL " + dedupWindow.toSeconds());
		this.selectDedup = session.prepare("SELECT seq, message_id FROM message_dedup "
				+ "WHERE conversation_id = ? AND sender_id = ? AND client_message_id = ?");
		this.selectAfter = session.prepare("SELECT seq, message_id, sender_id, body, sent_at FROM messages "
				+ "WHERE conversation_id = ? AND bucket = ? AND seq > ? ORDER BY seq ASC LIMIT ?");
		this.selectBefore = session.prepare("SELECT seq, message_id, sender_id, body, sent_at FROM messages "
				+ "WHERE conversation_id = ? AND bucket = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
		// The seq is the write timestamp: Cassandra keeps the cell with the highest one,
		// so a watermark only ever rises (a replayed or late write cannot lower it).
		this.raiseDelivered = session.prepare("UPDATE conversation_receipts USING TIMESTAMP ? SET delivered_seq = ? "
				+ "WHERE conversation_id = ? AND user_id = ?");
		this.raiseRead = session.prepare("UPDATE conversation_receipts USING TIMESTAMP ? SET read_seq = ? "
				+ "WHERE conversation_id = ? AND user_id = ?");
		this.raiseBoth = session.prepare("UPDATE conversation_receipts USING TIMESTAMP ? SET delivered_seq = ?, "
				+ "read_seq = ? WHERE conversation_id = ? AND user_id = ?");
		// Written at the change's offset: of two changes of one member, the later in the
		// log is the one kept, whichever write lands last.
		this.insertAnnouncement = session.prepare("INSERT INTO membership_announcements (conversation_id, user_id, "
				+ "added, log_partition, log_offset) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL "
				+ ANNOUNCEMENT_TTL.toSeconds());
		this.selectAnnouncement = session.prepare("SELECT added, log_partition, log_offset "
				+ "FROM membership_announcements WHERE conversation_id = ? AND user_id = ?");
		this.selectReceipts = session
			.prepare("SELECT user_id, delivered_seq, read_seq FROM conversation_receipts WHERE conversation_id = ?");
		this.selectReceipt = session.prepare("SELECT delivered_seq, read_seq FROM conversation_receipts "
				+ "WHERE conversation_id = ? AND user_id = ?");
	}

	/**
	 * The same store whose every request first takes a permit of {@code requests}, and
	 * returns it when the request completes. Its statements are this store's: the driver
	 * prepares a query once per session. Taking a permit may wait: such a store must not
	 * be called from a driver callback (a future's continuation), whose thread may be the
	 * one that would complete the requests holding the permits.
	 */
	public ChatStore withRequests(Bulkhead requests) {
		return new ChatStore(this.session, this.bucketSize, this.dedupWindow, requests);
	}

	/** The partition ({@code bucket}) a seq lives in. */
	public long bucketOf(long seq) {
		return seq / this.bucketSize;
	}

	// conversations and members

	/**
	 * Writes a conversation: first its members and their conversation lists (in
	 * parallel), then the conversation row, which is what makes it exist, then the
	 * sequencer's initial members ({@link #sequenceStateAsync}). A failure half-way
	 * leaves member rows of a conversation that does not exist, which every read skips,
	 * or a conversation whose sequencer falls back to the members table; a retry rewrites
	 * them (all writes are idempotent). A logged batch would be atomic but is refused
	 * above a few kilobytes, far below a 1,000-member group.
	 * @return whether this call made it exist: a direct conversation's row is written
	 * {@code IF NOT EXISTS} (calls of one pair may write it at once); a group's id is new
	 */
	public boolean saveConversation(Conversation conversation) {
		List<CompletableFuture<AsyncResultSet>> members = new ArrayList<>();
		for (String member : conversation.members()) {
			members.add(execute(this.insertMemberAt.bind(conversation.id(), member, conversation.createdAt(),
					CREATION_WRITE_TIME)));
			members.add(execute(this.insertUserConversationAt.bind(member, conversation.id(), conversation.createdAt(),
					CREATION_WRITE_TIME)));
			if (members.size() >= MAX_IN_FLIGHT) {
				join(CompletableFuture.allOf(members.toArray(CompletableFuture[]::new)));
				members.clear();
			}
		}
		join(CompletableFuture.allOf(members.toArray(CompletableFuture[]::new)));
		boolean created = true;
		if (conversation.isDirect()) {
			Row row = executeNow(this.insertConversationOnce
				.bind(conversation.id(), conversation.type(), conversation.name(), conversation.createdBy(),
						conversation.createdAt())
				.setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL)).one();
			created = row == null || row.getBoolean("[applied]");
		}
		else {
			executeNow(this.insertConversation.bind(conversation.id(), conversation.type(), conversation.name(),
					conversation.createdBy(), conversation.createdAt()));
		}
		// members_partition and members_offset stay unset: no change has left these.
		executeNow(this.updateSequencedMembers.boundStatementBuilder()
			.setLong(0, CREATION_WRITE_TIME)
			.setSet(1, Set.copyOf(conversation.members()), String.class)
			.setUuid(4, conversation.id())
			.build());
		return created;
	}

	/**
	 * Claims the direct conversation of a pair of users (a lightweight transaction).
	 * @return the id that owns the pair: {@code candidate} if this call claimed it
	 */
	/**
	 * Claims a group create's {@code Idempotency-Key} of {@code userId} for
	 * {@code candidate} (a lightweight transaction); a key claimed before keeps its id
	 * and request hash. Kept {@link #REQUEST_KEY_TTL}.
	 */
	public RequestClaim claimRequestKey(String userId, String key, String requestHash, UUID candidate) {
		Row row = executeNow(this.claimRequest.bind(userId, key, candidate, requestHash)
			.setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL)).one();
		if (row == null || row.getBoolean("[applied]")) {
			return new RequestClaim(candidate, requestHash);
		}
		return new RequestClaim(row.getUuid("conversation_id"), row.getString("request_hash"));
	}

	/** The conversation id a request key stands for, and the hash of its request. */
	public record RequestClaim(UUID conversationId, String requestHash) {
	}

	public UUID claimDirectPair(String pair, UUID candidate) {
		Row row = executeNow(
				this.claimPair.bind(pair, candidate).setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL))
			.one();
		return (row == null || row.getBoolean("[applied]")) ? candidate : row.getUuid("conversation_id");
	}

	/**
	 * Adds and removes members in {@code conversation_members} and their
	 * {@code user_conversations}, at {@code writeTime} (µs): the sequencer applies each
	 * membership change from the log here, at its state's write time, so the rows follow
	 * the log's order and a zombie's late write loses. One small logged batch per user:
	 * both of a user's rows or neither. Not one batch for the change: Cassandra refuses a
	 * batch over 50 KiB ({@code batch_size_fail_threshold}), about 150 users with long
	 * ids, and a change refused every time would hold its partition. Users are written
	 * {@link #MAX_IN_FLIGHT} at a time; a failure half-way leaves some users changed,
	 * which the sequencer's retry rewrites (the writes are idempotent).
	 */
	public CompletableFuture<Void> saveMemberRowsAsync(UUID conversationId, Collection<String> added,
			Collection<String> removed, Instant joinedAt, long writeTime) {
		if (this.requests != null) {
			// Each wave after the first starts on a driver thread, where waiting for a
			// bulkhead permit could block the completions that release them.
			throw new IllegalStateException("saveMemberRowsAsync is for the sequencer's store, which has no bulkhead");
		}
		List<BatchStatement> batches = new ArrayList<>(added.size() + removed.size());
		for (String user : added) {
			batches.add(BatchStatement.newInstance(DefaultBatchType.LOGGED,
					this.insertMemberAt.bind(conversationId, user, joinedAt, writeTime),
					this.insertUserConversationAt.bind(user, conversationId, joinedAt, writeTime)));
		}
		for (String user : removed) {
			batches.add(BatchStatement.newInstance(DefaultBatchType.LOGGED,
					this.deleteMemberAt.bind(writeTime, conversationId, user),
					this.deleteUserConversationAt.bind(writeTime, user, conversationId)));
		}
		return inWaves(batches, 0);
	}

	/**
	 * Executes {@code statements} from {@code from} on, {@link #MAX_IN_FLIGHT} at a time.
	 */
	private CompletableFuture<Void> inWaves(List<? extends Statement<?>> statements, int from) {
		if (from >= statements.size()) {
			return CompletableFuture.completedFuture(null);
		}
		int to = Math.min(statements.size(), from + MAX_IN_FLIGHT);
		CompletableFuture<?>[] wave = statements.subList(from, to)
			.stream()
			.map(this::execute)
			.toArray(CompletableFuture[]::new);
		return CompletableFuture.allOf(wave).thenCompose((done) -> inWaves(statements, to));
	}

	public Optional<Conversation> findConversation(UUID id) {
		return join(findConversationAsync(id));
	}

	/** The conversation with its members, read in parallel. */
	public CompletableFuture<Optional<Conversation>> findConversationAsync(UUID id) {
		CompletableFuture<AsyncResultSet> conversation = execute(this.selectConversation.bind(id));
		CompletableFuture<List<String>> members = all(execute(this.selectMembers.bind(id)),
				(row) -> row.getString("user_id"));
		return conversation.thenCombine(members, (result, users) -> {
			Row row = result.one();
			if (row == null) {
				return Optional.empty();
			}
			return Optional.of(new Conversation(id, row.getString("type"), row.getString("name"),
					row.getString("created_by"), row.getInstant("created_at"), users));
		});
	}

	public boolean isMember(UUID conversationId, String userId) {
		return executeNow(this.selectMember.bind(conversationId, userId)).one() != null;
	}

	/**
	 * Records that a change of {@code userId}'s membership is in the log at
	 * {@code partition} and {@code offset}, so that REST sees it before the sequencer has
	 * applied it ({@link #announcement}). Kept {@link #ANNOUNCEMENT_TTL}.
	 */
	public void saveAnnouncement(UUID conversationId, String userId, Announcement announcement) {
		executeNow(this.insertAnnouncement.bind(conversationId, userId, announcement.added(), announcement.partition(),
				announcement.offset(), announcement.offset()));
	}

	/** The last change of {@code userId}'s membership announced over REST, if any. */
	public Optional<Announcement> announcement(UUID conversationId, String userId) {
		Row row = executeNow(this.selectAnnouncement.bind(conversationId, userId)).one();
		return (row == null) ? Optional.empty() : Optional
			.of(new Announcement(row.getBoolean("added"), row.getInt("log_partition"), row.getLong("log_offset")));
	}

	/**
	 * A user of {@code users} who is a member of at least {@code limit} conversations, if
	 * any: the first one found. Each user's rows are read up to {@code limit}
	 * ({@link #MAX_IN_FLIGHT} users at once); only for a user who has that many are the
	 * conversations themselves read, and rows of a conversation that does not exist (a
	 * creation that failed half-way, which every other read skips too) are not counted.
	 * The first user found ends the search: a request naming many users at the limit
	 * costs one user's conversation reads, not every one's (999 such members cost ~1
	 * million reads before 2026-12-06).
	 */
	public Optional<String> userWithAtLeast(Collection<String> users, int limit) {
		List<String> wave = new ArrayList<>(MAX_IN_FLIGHT);
		for (java.util.Iterator<String> each = users.iterator(); each.hasNext();) {
			wave.add(each.next());
			if (wave.size() == MAX_IN_FLIGHT || !each.hasNext()) {
				Map<String, CompletableFuture<List<UUID>>> counting = new java.util.LinkedHashMap<>();
				for (String user : wave) {
					counting.put(user, all(execute(this.selectUserConversationsUpTo.bind(user, limit)),
							(row) -> row.getUuid("conversation_id")));
				}
				for (Map.Entry<String, CompletableFuture<List<UUID>>> count : counting.entrySet()) {
					if (join(count.getValue()).size() >= limit && existingConversationsOf(count.getKey()) >= limit) {
						counting.values().forEach((reading) -> reading.cancel(false));
						return Optional.of(count.getKey());
					}
				}
				wave.clear();
			}
		}
		return Optional.empty();
	}

	private int existingConversationsOf(String userId) {
		List<UUID> ids = conversationIdsOf(userId);
		int existing = 0;
		for (int from = 0; from < ids.size(); from += MAX_IN_FLIGHT) {
			List<CompletableFuture<AsyncResultSet>> reads = new ArrayList<>(MAX_IN_FLIGHT);
			for (UUID id : ids.subList(from, Math.min(ids.size(), from + MAX_IN_FLIGHT))) {
				reads.add(execute(this.selectConversation.bind(id)));
			}
			for (CompletableFuture<AsyncResultSet> read : reads) {
				if (join(read).one() != null) {
					existing++;
				}
			}
		}
		return existing;
	}

	public List<UUID> conversationIdsOf(String userId) {
		List<UUID> ids = new ArrayList<>();
		for (Row row : executeNow(this.selectUserConversations.bind(userId))) {
			ids.add(row.getUuid("conversation_id"));
		}
		return ids;
	}

	// sequence state and messages

	public CompletableFuture<ConversationState> stateAsync(UUID conversationId) {
		return execute(this.selectState.bind(conversationId)).thenApply((rs) -> {
			Row row = rs.one();
			if (row == null || row.isNull("last_seq")) {
				return ConversationState.EMPTY;
			}
			return new ConversationState(row.getLong("last_seq"), row.getUuid("last_message_id"),
					row.getString("last_sender"), row.getString("last_body"), row.getInstant("last_sent_at"));
		});
	}

	public ConversationState state(UUID conversationId) {
		return join(stateAsync(conversationId));
	}

	/**
	 * What the sequencer needs of a conversation's state: its last seq and its members as
	 * the sequencer applied them ({@code null} for a conversation created before the
	 * column existed, whose sequencer has not changed its members since).
	 */
	public SequenceState sequenceState(UUID conversationId) {
		return join(sequenceStateAsync(conversationId));
	}

	public CompletableFuture<SequenceState> sequenceStateAsync(UUID conversationId) {
		return execute(this.selectSequenceState.bind(conversationId)).thenApply((rs) -> {
			Row row = rs.one();
			if (row == null) {
				return new SequenceState(0, null, null, null);
			}
			long lastSeq = row.isNull("last_seq") ? 0 : row.getLong("last_seq");
			// Frozen: one cell, and an empty set (every member left) is a value, not
			// null.
			return new SequenceState(lastSeq,
					row.isNull("members") ? null : Set.copyOf(row.getSet("members", String.class)),
					row.isNull("members_partition") ? null : row.getInt("members_partition"),
					row.isNull("members_offset") ? null : row.getLong("members_offset"));
		});
	}

	/**
	 * Writes the sequencer's members of a conversation, as the membership change at
	 * {@code partition} and {@code offset} of the log left them, at {@code writeTime}
	 * (µs, as {@link #saveProgressAsync}): a late write of a sequencer that polled
	 * earlier loses.
	 */
	public CompletableFuture<Void> saveSequencedMembersAsync(UUID conversationId, Collection<String> members,
			int partition, long offset, long writeTime) {
		return execute(
				this.updateSequencedMembers.bind(writeTime, Set.copyOf(members), partition, offset, conversationId))
			.thenApply((rs) -> null);
	}

	/**
	 * The stored seq and id of a client's message, if it was stored within the window.
	 */
	public CompletableFuture<Optional<StoredRef>> findDedupAsync(UUID conversationId, String senderId,
			String clientMessageId) {
		return execute(this.selectDedup.bind(conversationId, senderId, clientMessageId)).thenApply((rs) -> {
			Row row = rs.one();
			return (row == null) ? Optional.empty()
					: Optional.of(new StoredRef(row.getLong("seq"), row.getUuid("message_id")));
		});
	}

	/**
	 * Writes a message and its dedup record: one unlogged batch of the two rows (two
	 * partitions, one request instead of two; both writes are idempotent, so a batch that
	 * half-applied before a failure is simply written again).
	 */
	public CompletableFuture<Void> saveMessageAsync(StoredMessage message, String clientMessageId) {
		return execute(BatchStatement.newInstance(DefaultBatchType.UNLOGGED,
				this.insertMessage.bind(message.conversationId(), bucketOf(message.seq()), message.seq(),
						message.messageId(), message.senderId(), clientMessageId, message.body(), message.sentAt()),
				this.insertDedup.bind(message.conversationId(), message.senderId(), clientMessageId, message.seq(),
						message.messageId())))
			.thenApply((rs) -> null);
	}

	/**
	 * Moves a conversation's sequence to {@code last} (its last stored message;
	 * {@code null}: unchanged) and raises members' watermarks. {@code conversation_state}
	 * and {@code conversation_receipts} share the partition key, so the rows go in one
	 * unlogged batch: a single mutation and one request per conversation. The state is
	 * written at {@code stateWriteTime} (microseconds since 1970): the sequencer passes
	 * its poll's time, so that a late write of a sequencer that polled earlier cannot
	 * replace what a later one stored.
	 */
	public CompletableFuture<Void> saveProgressAsync(UUID conversationId, StoredMessage last,
			List<WatermarkRaise> raises, long stateWriteTime) {
		List<BatchableStatement<?>> statements = new ArrayList<>(raises.size() + 1);
		if (last != null) {
			statements.add(this.updateState.bind(stateWriteTime, last.seq(), last.messageId(), last.senderId(),
					last.body(), last.sentAt(), conversationId));
		}
		raises.forEach((raise) -> statements.addAll(raiseStatements(conversationId, raise)));
		if (statements.isEmpty()) {
			return CompletableFuture.completedFuture(null);
		}
		return execute((statements.size() == 1) ? statements.get(0)
				: BatchStatement.newInstance(DefaultBatchType.UNLOGGED, statements))
			.thenApply((rs) -> null);
	}

	/**
	 * Up to {@code limit} messages of one bucket with seq above {@code afterSeq},
	 * ascending.
	 */
	public List<StoredMessage> messagesAfter(UUID conversationId, long bucket, long afterSeq, int limit) {
		return messages(conversationId, executeNow(this.selectAfter.bind(conversationId, bucket, afterSeq, limit)));
	}

	/**
	 * Up to {@code limit} messages of one bucket with seq below {@code beforeSeq},
	 * descending.
	 */
	public List<StoredMessage> messagesBefore(UUID conversationId, long bucket, long beforeSeq, int limit) {
		return messages(conversationId, executeNow(this.selectBefore.bind(conversationId, bucket, beforeSeq, limit)));
	}

	private static List<StoredMessage> messages(UUID conversationId, ResultSet rows) {
		List<StoredMessage> messages = new ArrayList<>();
		for (Row row : rows) {
			messages.add(new StoredMessage(conversationId, row.getLong("seq"), row.getUuid("message_id"),
					row.getString("sender_id"), row.getString("body"), row.getInstant("sent_at")));
		}
		return messages;
	}

	private static <T> CompletableFuture<List<T>> all(CompletionStage<AsyncResultSet> first,
			java.util.function.Function<Row, T> mapper) {
		List<T> items = new ArrayList<>();
		return collect(first.toCompletableFuture(), mapper, items);
	}

	private static <T> CompletableFuture<List<T>> collect(CompletableFuture<AsyncResultSet> page,
			java.util.function.Function<Row, T> mapper, List<T> items) {
		return page.thenCompose((rs) -> {
			for (Row row : rs.currentPage()) {
				items.add(mapper.apply(row));
			}
			return rs.hasMorePages() ? collect(rs.fetchNextPage().toCompletableFuture(), mapper, items)
					: CompletableFuture.completedFuture(items);
		});
	}

	/**
	 * Waits for a driver future, rethrowing its failure unwrapped (e.g. a
	 * DriverException).
	 */
	public static <T> T join(CompletableFuture<T> future) {
		try {
			return future.join();
		}
		catch (java.util.concurrent.CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw ex;
		}
	}

	// receipts

	/**
	 * The writes that raise a member's watermarks to {@code raise.to()}: one when both
	 * moved to the same seq (or only one moved), two otherwise. A watermark above the
	 * given one stays.
	 */
	private List<BatchableStatement<?>> raiseStatements(UUID conversationId, WatermarkRaise raise) {
		Watermarks to = raise.to();
		String userId = raise.userId();
		if (raise.deliveredMoved() && raise.readMoved() && to.delivered() == to.read()) {
			return List.of(this.raiseBoth.bind(to.read(), to.delivered(), to.read(), conversationId, userId));
		}
		List<BatchableStatement<?>> writes = new ArrayList<>(2);
		if (raise.deliveredMoved()) {
			writes.add(this.raiseDelivered.bind(to.delivered(), to.delivered(), conversationId, userId));
		}
		if (raise.readMoved()) {
			writes.add(this.raiseRead.bind(to.read(), to.read(), conversationId, userId));
		}
		return writes;
	}

	/**
	 * Sends a request, first taking a permit if this store has {@link #requests}; the
	 * permit is returned when the request completes, whatever its outcome.
	 */
	private CompletableFuture<AsyncResultSet> execute(Statement<?> statement) {
		if (this.requests == null) {
			return this.session.executeAsync(statement).toCompletableFuture();
		}
		this.requests.acquirePermission();
		try {
			return this.session.executeAsync(statement)
				.toCompletableFuture()
				.whenComplete((result, failure) -> this.requests.onComplete());
		}
		catch (RuntimeException ex) {
			this.requests.onComplete();
			throw ex;
		}
	}

	/** {@link #execute}, waiting for the result. */
	private ResultSet executeNow(Statement<?> statement) {
		if (this.requests == null) {
			return this.session.execute(statement);
		}
		this.requests.acquirePermission();
		try {
			return this.session.execute(statement);
		}
		finally {
			this.requests.onComplete();
		}
	}

	/** One member's watermarks ({@link Watermarks#NONE} before any). */
	public CompletableFuture<Watermarks> watermarksAsync(UUID conversationId, String userId) {
		return execute(this.selectReceipt.bind(conversationId, userId)).thenApply((rs) -> {
			Row row = rs.one();
			return (row == null) ? Watermarks.NONE : watermarks(row);
		});
	}

	/**
	 * The watermarks of every member who has any, by user (one partition read).
	 */
	public Map<String, Watermarks> watermarksOf(UUID conversationId) {
		Map<String, Watermarks> all = new HashMap<>();
		for (Row row : executeNow(this.selectReceipts.bind(conversationId))) {
			all.put(row.getString("user_id"), watermarks(row));
		}
		return all;
	}

	private static Watermarks watermarks(Row row) {
		return new Watermarks(row.isNull("delivered_seq") ? 0 : row.getLong("delivered_seq"),
				row.isNull("read_seq") ? 0 : row.getLong("read_seq"));
	}

	/**
	 * A member's watermarks raised to {@code to}, and which of the two moved.
	 *
	 * @param userId the member
	 * @param to the watermarks after the raise
	 * @param deliveredMoved whether the delivered watermark rose
	 * @param readMoved whether the read watermark rose
	 */
	public record WatermarkRaise(String userId, Watermarks to, boolean deliveredMoved, boolean readMoved) {
	}

	/**
	 * A conversation's sequence as the sequencer loads it.
	 *
	 * @param members the sequencer's members, {@code null} if never written
	 * @param membersPartition the partition of the membership change that left them
	 * ({@code null}: none since the conversation was created)
	 * @param membersOffset that change's offset
	 */
	public record SequenceState(long lastSeq, Set<String> members, Integer membersPartition, Long membersOffset) {

		/**
		 * Whether the membership change at {@code partition} and {@code offset} has been
		 * applied (it, or a later one of the same partition, left these members).
		 */
		public boolean applied(int partition, long offset) {
			return this.membersPartition != null && this.membersPartition == partition && this.membersOffset >= offset;
		}

	}

	/**
	 * A membership change in the log: an addition or a removal, at {@code partition} and
	 * {@code offset}.
	 */
	public record Announcement(boolean added, int partition, long offset) {
	}

	/** Where a deduplicated message was stored. */
	public record StoredRef(long seq, UUID messageId) {
	}

}
