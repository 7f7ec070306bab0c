package dev.blueprint.chat.message.conversations;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.message.receipts.core.Watermarks;

/**
 * An entry of the caller's conversation list, with the caller's own watermarks.
 *
 * @param readSeq the caller has read up to here (0: nothing)
 * @param deliveredSeq a device of the caller received up to here (at least readSeq)
 * @param unreadCount messages after readSeq: {@code lastSeq - readSeq}, never negative
 */
public record ConversationSummary(UUID id, String type, String name, List<String> members, long lastSeq,
		LastMessage lastMessage, Instant createdAt, long readSeq, long deliveredSeq, long unreadCount) {

	static ConversationSummary of(Conversation conversation, ConversationState state, Watermarks own) {
		LastMessage last = (state.lastMessageId() != null) ? new LastMessage(state.lastSeq(), state.lastMessageId(),
				state.lastSenderId(), state.lastBody(), state.lastSentAt()) : null;
		return new ConversationSummary(conversation.id(), conversation.type(), conversation.name(),
				conversation.members(), state.lastSeq(), last, conversation.createdAt(), own.read(), own.delivered(),
				Math.max(0, state.lastSeq() - own.read()));
	}

	Instant lastActivity() {
		return (this.lastMessage != null) ? this.lastMessage.sentAt() : this.createdAt;
	}

	/** The conversation's last message. */
	public record LastMessage(long seq, UUID messageId, String senderId, String body, Instant sentAt) {
	}

}
