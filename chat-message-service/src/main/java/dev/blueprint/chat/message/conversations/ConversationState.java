package dev.blueprint.chat.message.conversations;

import java.time.Instant;
import java.util.UUID;

/**
 * Where a conversation's sequence stands: its last seq and last message ({@code lastSeq}
 * 0 and no message before the first one).
 */
public record ConversationState(long lastSeq, UUID lastMessageId, String lastSenderId, String lastBody,
		Instant lastSentAt) {

	public static final ConversationState EMPTY = new ConversationState(0, null, null, null, null);

}
