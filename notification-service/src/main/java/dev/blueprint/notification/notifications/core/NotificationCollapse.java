package dev.blueprint.notification.notifications.core;

import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;

import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;

/**
 * Folds a stored message into a user's notification for its conversation:
 * <ul>
 * <li>no notification, or a seen one: a new notification (new id) counting 1;</li>
 * <li>an unseen one: the same notification, count + 1, pointing at the latest
 * message;</li>
 * <li>a message at or below the notification's latest seq (a batch consumed again after a
 * crash or a retry): no change, so re-processing never counts twice.</li>
 * </ul>
 */
public final class NotificationCollapse {

	private NotificationCollapse() {
	}

	/**
	 * @param existing the user's notification for the conversation, or {@code null}
	 * @return the notification after the message; {@code existing} itself when the
	 * message changes nothing
	 */
	public static Notification apply(Notification existing, String userId, MessagePersisted message, Instant now,
			int previewLength, Supplier<UUID> ids) {
		if (existing != null && message.seq() <= existing.latestSeq()) {
			return existing;
		}
		String preview = preview(message.body(), previewLength);
		if (existing == null || existing.seen()) {
			return new Notification(ids.get(), userId, message.conversationId(), 1, message.seq(), message.seq(),
					message.messageId(), message.senderId(), preview, now, now, null);
		}
		return new Notification(existing.id(), userId, message.conversationId(), existing.count() + 1,
				existing.firstSeq(), message.seq(), message.messageId(), message.senderId(), preview,
				existing.createdAt(), now, null);
	}

	/**
	 * The first {@code length} characters (code points) of a body, with an ellipsis when
	 * cut; {@code null} when {@code length} is 0 or less.
	 */
	public static String preview(String body, int length) {
		if (length <= 0 || body == null) {
			return null;
		}
		if (body.codePointCount(0, body.length()) <= length) {
			return body;
		}
		return body.substring(0, body.offsetByCodePoints(0, length)) + "\u2026";
	}

}
