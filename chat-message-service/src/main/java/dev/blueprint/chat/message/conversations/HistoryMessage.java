package dev.blueprint.chat.message.conversations;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A message as history returns it: the live shape, plus, on the caller's own messages,
 * which other members have read it and received it (omitted on others' messages).
 */
public record HistoryMessage(UUID conversationId, long seq, UUID messageId, String senderId, String body,
		Instant sentAt, @JsonInclude(JsonInclude.Include.NON_NULL) List<String> readBy,
		@JsonInclude(JsonInclude.Include.NON_NULL) List<String> deliveredTo) {

	static HistoryMessage of(StoredMessage message, List<String> readBy, List<String> deliveredTo) {
		return new HistoryMessage(message.conversationId(), message.seq(), message.messageId(), message.senderId(),
				message.body(), message.sentAt(), readBy, deliveredTo);
	}

}
