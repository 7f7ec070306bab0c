package dev.blueprint.chat.message.receipts.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.contracts.ChatEvent.ReceiptSubmitted;
import dev.blueprint.chat.contracts.GatewayDelivery.Receipt;
import dev.blueprint.chat.message.sequencing.core.SequencePlanner.Snapshot;

/**
 * Decides, for a batch of the log in order, which receipts move a member's watermark,
 * which change nothing, and which are refused; and what each moved watermark ends at.
 * Pure: the caller loads the conversations and the current watermarks first and writes
 * the result after.
 * <p>
 * A receipt is checked against the conversation at its place in the log: its members, and
 * its last seq including the messages sequenced before it in the same batch. A message
 * its sender sent moves the sender's own read and delivered watermarks to its seq (one's
 * own messages are never unread) without a receipt event: the message itself tells the
 * members.
 */
public final class ReceiptPlanner {

	private ReceiptPlanner() {
	}

	/**
	 * Plans a batch.
	 * @param steps the batch's sequenced messages and receipts, in log order
	 * @param conversations each known conversation before the batch (absent: unknown)
	 * @param current the stored watermarks of every (conversation, user) in the steps
	 * (absent: none yet)
	 */
	public static Plan plan(List<Step> steps, Map<UUID, Snapshot> conversations, Map<Key, Watermarks> current) {
		Map<UUID, Long> lastSeqs = new HashMap<>();
		Map<Key, Watermarks> working = new HashMap<>();
		List<Decision> decisions = new ArrayList<>();
		for (Step step : steps) {
			if (step instanceof OwnMessage own) {
				Snapshot conversation = conversations.get(own.conversationId());
				long last = lastSeqs.getOrDefault(own.conversationId(),
						(conversation != null) ? conversation.lastSeq() : 0);
				lastSeqs.put(own.conversationId(), Math.max(last, own.seq()));
				Key key = new Key(own.conversationId(), own.senderId());
				working.put(key, watermarks(key, working, current).raise(Receipt.READ, own.seq()));
				continue;
			}
			ReceiptSubmitted receipt = ((ReceiptStep) step).receipt();
			Snapshot conversation = conversations.get(receipt.conversationId());
			if (conversation == null) {
				decisions.add(new Refused(receipt, ChatErrorCodes.UNKNOWN_CONVERSATION,
						"No conversation " + receipt.conversationId()));
				continue;
			}
			if (!conversation.members().contains(receipt.userId())) {
				decisions.add(new Refused(receipt, ChatErrorCodes.NOT_A_MEMBER,
						"Not a member of conversation " + receipt.conversationId()));
				continue;
			}
			long lastSeq = lastSeqs.getOrDefault(receipt.conversationId(), conversation.lastSeq());
			if (receipt.seq() > lastSeq) {
				decisions.add(new Refused(receipt, ChatErrorCodes.RECEIPT_BEYOND_LAST,
						"seq " + receipt.seq() + " is beyond the last message of conversation "
								+ receipt.conversationId() + " (" + lastSeq + ")"));
				continue;
			}
			Key key = new Key(receipt.conversationId(), receipt.userId());
			Watermarks before = watermarks(key, working, current);
			if (receipt.seq() <= before.of(receipt.kind())) {
				decisions.add(new Unchanged(receipt));
				continue;
			}
			working.put(key, before.raise(receipt.kind(), receipt.seq()));
			decisions.add(new Recorded(receipt, conversation.members()));
		}
		Map<Key, Watermarks> moved = new LinkedHashMap<>();
		working.forEach((key, after) -> {
			if (!after.equals(current.getOrDefault(key, Watermarks.NONE))) {
				moved.put(key, after);
			}
		});
		return new Plan(decisions, moved);
	}

	private static Watermarks watermarks(Key key, Map<Key, Watermarks> working, Map<Key, Watermarks> current) {
		Watermarks value = working.get(key);
		return (value != null) ? value : current.getOrDefault(key, Watermarks.NONE);
	}

	/** A member of a conversation. */
	public record Key(UUID conversationId, String userId) {
	}

	/** One entry of the log, in order. */
	public sealed interface Step {

	}

	/** A message stored with {@code seq} (its sender has read up to it). */
	public record OwnMessage(UUID conversationId, String senderId, long seq) implements Step {
	}

	/** A receipt a client sent. */
	public record ReceiptStep(ReceiptSubmitted receipt) implements Step {
	}

	/**
	 * The decisions, one per receipt in order, and the new watermarks of every member
	 * whose watermarks moved (receipts or own messages).
	 */
	public record Plan(List<Decision> decisions, Map<Key, Watermarks> moved) {
	}

	/** The decision for one receipt. */
	public sealed interface Decision {

		ReceiptSubmitted receipt();

	}

	/** The watermark moved: tell {@code members}. */
	public record Recorded(ReceiptSubmitted receipt, List<String> members) implements Decision {
	}

	/** At or below the stored watermark: nothing changes, nobody is told. */
	public record Unchanged(ReceiptSubmitted receipt) implements Decision {
	}

	/** Refused with an error {@code code} for the sending session. */
	public record Refused(ReceiptSubmitted receipt, String code, String reason) implements Decision {
	}

}
