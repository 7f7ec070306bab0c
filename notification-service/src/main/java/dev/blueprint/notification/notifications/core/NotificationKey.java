package dev.blueprint.notification.notifications.core;

import java.util.UUID;

/** A user in a conversation: what a notification, a mute and a push are kept per. */
public record NotificationKey(String userId, UUID conversationId) {

	/**
	 * The push collapse key: a newer push with it replaces an older one on the device.
	 */
	public String collapseKey() {
		return this.userId + ":" + this.conversationId;
	}

}
