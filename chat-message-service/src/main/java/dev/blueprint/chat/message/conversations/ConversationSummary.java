package dev.blueprint.chat.message.conversations;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An entry of the caller's conversation list. */
public record ConversationSummary(UUID id, String type, String name, List<String> members, long lastSeq,
		LastMessage lastMessage, Instant createdAt) {

	static ConversationSummary of(Conversation conversation, ConversationState state) {
		LastMessage last = (state.lastMessageId() != null) ? new LastMessage(state.lastSeq(), state.lastMessageId(),
				state.lastSenderId(), state.lastBody(), state.lastSentAt()) : null;
		return new ConversationSummary(conversation.id(), conversation.type(), conversation.name(),
				conversation.members(), state.lastSeq(), last, conversation.createdAt());
	}

	Instant lastActivity() {
		return (this.lastMessage != null) ? this.lastMessage.sentAt() : this.createdAt;
	}

	/** The conversation's last message. */
	public record LastMessage(long seq, UUID messageId, String senderId, String body, Instant sentAt) {
	}

}
