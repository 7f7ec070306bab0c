package dev.blueprint.notification.notifications.core;

import java.time.Instant;
import java.util.UUID;

/**
 * What a user missed in a conversation while no device of theirs was online: one per user
 * and conversation, counting the messages since they last saw it. It points into history
 * ({@code firstSeq}..{@code latestSeq}); the messages themselves are read from
 * chat-message-service.
 *
 * @param id changes when a new notification starts (after the previous one was seen)
 * @param count messages collapsed into it
 * @param preview the start of the latest message ({@code null} when previews are off)
 * @param seenAt when the user marked it seen; {@code null} while unseen
 */
public record Notification(UUID id, String userId, UUID conversationId, int count, long firstSeq, long latestSeq,
		UUID latestMessageId, String senderId, String preview, Instant createdAt, Instant updatedAt, Instant seenAt) {

	public boolean seen() {
		return this.seenAt != null;
	}

	/** This notification marked seen at {@code at} (unchanged if already seen). */
	public Notification markSeen(Instant at) {
		if (seen()) {
			return this;
		}
		return new Notification(this.id, this.userId, this.conversationId, this.count, this.firstSeq, this.latestSeq,
				this.latestMessageId, this.senderId, this.preview, this.createdAt, this.updatedAt, at);
	}

}
