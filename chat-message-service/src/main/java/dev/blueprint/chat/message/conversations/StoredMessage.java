package dev.blueprint.chat.message.conversations;

import java.time.Instant;
import java.util.UUID;

/** A stored message, as history returns it (the same shape clients receive live). */
public record StoredMessage(UUID conversationId, long seq, UUID messageId, String senderId, String body,
		Instant sentAt) {

}
