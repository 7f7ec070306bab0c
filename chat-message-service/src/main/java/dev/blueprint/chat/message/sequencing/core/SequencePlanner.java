package dev.blueprint.chat.message.sequencing.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent.MessageSubmitted;

/**
 * Decides, for a batch of submitted messages in log order, which are stored with which
 * sequence number, which are retries of a stored message, and which are refused. Pure:
 * the caller loads the conversations and dedup records first and writes the outcome
 * after.
 * <p>
 * Sequence numbers continue each conversation's last seq without gaps; a message whose
 * (conversation, sender, clientMessageId) was already stored — earlier in this batch or
 * in the dedup table — keeps its seq. Given the same log and the same stored state, the
 * plan is the same: replaying a batch after a crash re-derives the seqs it had.
 * <p>
 * A client's retry and a replayed record are told apart by {@code messageId}: the gateway
 * assigns a new one to every SEND, so a stored message with the same id is this very
 * record again (stored by a sequencer that did not commit) and is announced as new, while
 * one with another id is a retry and only re-acked.
 */
public final class SequencePlanner {

	private SequencePlanner() {
	}

	/**
	 * Plans a batch whose places in the log are not known, with no bound on a body.
	 * @param batch the submitted messages, in log order
	 * @param conversations what is known of each conversation in the batch (absent:
	 * unknown conversation)
	 * @param stored dedup records found for the batch's messages
	 */
	public static Plan plan(List<MessageSubmitted> batch, Map<UUID, Snapshot> conversations,
			Map<DedupKey, StoredRef> stored) {
		return plan(batch, conversations, stored, (message) -> null, Integer.MAX_VALUE);
	}

	/**
	 * Plans a batch whose messages' places in the log are known.
	 * <p>
	 * A conversation's members may have been loaded as a membership change further on in
	 * the log left them ({@link Snapshot#membersFrom()}): the first attempt at this batch
	 * applied it and wrote them, then died. That attempt stored every message it accepted
	 * before the change (the change is applied only after the messages before it are
	 * stored), so a message before the change that is neither a replay nor a retry was
	 * refused by it, and is refused again: checked against the later members, a sender
	 * added by the change would be accepted now, with a seq the first attempt may have
	 * given to a message it stored.
	 * <p>
	 * A new message whose body is over {@code maxBodyBytes} (UTF-8) is refused: the
	 * gateway refuses it first, but a record from elsewhere would otherwise be written
	 * and fail on every attempt. A replay or retry of a stored message is not: it was
	 * within the limit of its day.
	 * @param positions each message's place in the log ({@code null}: unknown)
	 * @param maxBodyBytes the largest body accepted
	 */
	public static Plan plan(List<MessageSubmitted> batch, Map<UUID, Snapshot> conversations,
			Map<DedupKey, StoredRef> stored, Function<MessageSubmitted, LogPosition> positions, int maxBodyBytes) {
		Map<UUID, Long> lastSeqs = new HashMap<>();
		Map<DedupKey, StoredRef> seen = new HashMap<>(stored);
		List<Outcome> outcomes = new ArrayList<>(batch.size());
		for (MessageSubmitted message : batch) {
			Snapshot conversation = conversations.get(message.conversationId());
			if (conversation == null) {
				outcomes.add(new Rejected(message, ChatErrorCodes.UNKNOWN_CONVERSATION,
						"No conversation " + message.conversationId()));
				continue;
			}
			DedupKey key = DedupKey.of(message);
			StoredRef previous = seen.get(key);
			if (previous != null && previous.messageId().equals(message.messageId())) {
				// The same record again: a sequencer stored it but died (or was fenced)
				// before its transaction committed, so nobody was told. Announce it with
				// its seq as a new message, and let the conversation's state catch up.
				// Checked before membership: it was accepted at its place in the log, and
				// a removal that reached Cassandra since (its ConversationChanged record
				// comes later in the log) must not refuse it and hand its seq to the next
				// message.
				long last = lastSeqs.getOrDefault(message.conversationId(), conversation.lastSeq());
				lastSeqs.put(message.conversationId(), Math.max(last, previous.seq()));
				outcomes.add(new Accepted(message, previous.seq(), conversation.members()));
				continue;
			}
			if (previous != null) {
				// A client's retry of a message stored before: acked again with its seq
				// (only the sender is told). Before membership: a sender removed since
				// must not be told that a message the members have was not stored.
				outcomes.add(new Duplicate(message, previous.seq(), previous.messageId(), conversation.members()));
				continue;
			}
			int bodyBytes = message.body().getBytes(StandardCharsets.UTF_8).length;
			if (bodyBytes > maxBodyBytes) {
				outcomes.add(new Rejected(message, ChatErrorCodes.BODY_TOO_LARGE,
						"body is " + bodyBytes + " bytes; the limit is " + maxBodyBytes));
				continue;
			}
			LogPosition at = positions.apply(message);
			if (at != null && at.isBefore(conversation.membersFrom())) {
				outcomes.add(new Rejected(message, ChatErrorCodes.NOT_A_MEMBER,
						"Not a member of conversation " + message.conversationId()));
				continue;
			}
			if (!conversation.members().contains(message.senderId())) {
				outcomes.add(new Rejected(message, ChatErrorCodes.NOT_A_MEMBER,
						"Not a member of conversation " + message.conversationId()));
				continue;
			}
			long seq = lastSeqs.getOrDefault(message.conversationId(), conversation.lastSeq()) + 1;
			lastSeqs.put(message.conversationId(), seq);
			seen.put(key, new StoredRef(seq, message.messageId()));
			outcomes.add(new Accepted(message, seq, conversation.members()));
		}
		return new Plan(outcomes, lastSeqs);
	}

	/**
	 * What the sequencer knows of a conversation.
	 *
	 * @param members current members, sorted
	 * @param lastSeq the last stored seq (0 before the first message)
	 * @param membersFrom the place in the log of the membership change that left these
	 * members ({@code null}: none known, e.g. the members the conversation was created
	 * with)
	 */
	public record Snapshot(List<String> members, long lastSeq, LogPosition membersFrom) {

		public Snapshot(List<String> members, long lastSeq) {
			this(members, lastSeq, null);
		}

		public Snapshot withLastSeq(long seq) {
			return new Snapshot(this.members, seq, this.membersFrom);
		}

		/**
		 * The members after a change: {@code added} joined while fewer than
		 * {@code maxMembers} are in, and {@code removed} left (in that order; adding a
		 * member who is there or removing one who is not changes nothing, so applying a
		 * change twice is the same as once). A change before {@link #membersFrom()} is
		 * already in them: nothing changes. The limit holds here, at the change's place
		 * in the log, whatever additions REST let through at once or while they were
		 * pending.
		 */
		public Snapshot withChange(Collection<String> added, Collection<String> removed, LogPosition at,
				int maxMembers) {
			if (at != null && at.isBefore(this.membersFrom)) {
				// Already in these members: a batch planned again reaches a change before
				// the one they were loaded at. Applied again, membersFrom would move back
				// and let a message between the two through the replay check.
				return this;
			}
			SortedSet<String> changed = new TreeSet<>(this.members);
			for (String member : added) {
				if (changed.size() < maxMembers) {
					changed.add(member);
				}
			}
			changed.removeAll(removed);
			return new Snapshot(List.copyOf(changed), this.lastSeq, at);
		}

	}

	/** A record's place in the log: its partition and offset. */
	public record LogPosition(int partition, long offset) {

		/**
		 * Whether this comes before {@code other} in the same partition ({@code false}
		 * for {@code null} or another partition, e.g. after the topic was repartitioned).
		 */
		public boolean isBefore(LogPosition other) {
			return other != null && other.partition == this.partition && this.offset < other.offset;
		}

	}

	/** The identity of a client's message: a retry has the same key. */
	public record DedupKey(UUID conversationId, String senderId, String clientMessageId) {

		public static DedupKey of(MessageSubmitted message) {
			return new DedupKey(message.conversationId(), message.senderId(), message.clientMessageId());
		}

	}

	/** Where a message was stored. */
	public record StoredRef(long seq, UUID messageId) {
	}

	/**
	 * The decisions for a batch.
	 *
	 * @param lastSeqs each conversation's new last seq (only those that advanced)
	 */
	public record Plan(List<Outcome> outcomes, Map<UUID, Long> lastSeqs) {

		public List<Accepted> accepted() {
			return this.outcomes.stream()
				.flatMap((outcome) -> (outcome instanceof Accepted accepted) ? java.util.stream.Stream.of(accepted)
						: java.util.stream.Stream.empty())
				.toList();
		}

		/** The accepted message with the highest seq of a conversation. */
		public Optional<Accepted> lastAcceptedOf(UUID conversationId) {
			Accepted last = null;
			for (Accepted accepted : accepted()) {
				if (accepted.message().conversationId().equals(conversationId)
						&& (last == null || accepted.seq() > last.seq())) {
					last = accepted;
				}
			}
			return Optional.ofNullable(last);
		}

	}

	/** The decision for one message. */
	public sealed interface Outcome {

		MessageSubmitted message();

	}

	/** Store it with {@code seq} and deliver it to {@code recipients}. */
	public record Accepted(MessageSubmitted message, long seq, List<String> recipients) implements Outcome {
	}

	/**
	 * Already stored with {@code seq}: ack the sender again, store and deliver nothing.
	 */
	public record Duplicate(MessageSubmitted message, long seq, java.util.UUID messageId,
			List<String> recipients) implements Outcome {
	}

	/** Refused: nothing stored; the sender gets an error with {@code code}. */
	public record Rejected(MessageSubmitted message, String code, String reason) implements Outcome {
	}

}
