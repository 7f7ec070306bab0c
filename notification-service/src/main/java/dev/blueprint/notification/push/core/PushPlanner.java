package dev.blueprint.notification.push.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.notification.notifications.core.NotificationKey;

/**
 * Who is notified of a batch of stored messages: every recipient with no live session
 * anywhere (one online device is enough to count as online), never the sender, never for
 * a retried (duplicate) message, and not in a conversation the user muted. Messages of
 * one user and conversation are grouped, in seq order, so they collapse into one
 * notification.
 */
public final class PushPlanner {

	private PushPlanner() {
	}

	/** The stored, first-time messages of a batch. */
	public static List<MessagePersisted> newMessages(List<ChatEvent> events) {
		List<MessagePersisted> messages = new ArrayList<>();
		for (ChatEvent event : events) {
			if (event instanceof MessagePersisted persisted && !persisted.duplicate()) {
				messages.add(persisted);
			}
		}
		return messages;
	}

	/** The users whose sessions decide: every recipient but the sender. */
	public static Set<String> recipients(List<MessagePersisted> messages) {
		Set<String> users = new LinkedHashSet<>();
		for (MessagePersisted message : messages) {
			for (String recipient : message.recipients()) {
				if (!recipient.equals(message.senderId())) {
					users.add(recipient);
				}
			}
		}
		return users;
	}

	/**
	 * The offline recipients' messages, per user and conversation, in the order of the
	 * batch (a conversation's messages arrive in seq order: one partition).
	 * @param online the users with at least one live session
	 */
	public static Map<NotificationKey, List<MessagePersisted>> offline(List<MessagePersisted> messages,
			Set<String> online) {
		Map<NotificationKey, List<MessagePersisted>> targets = new LinkedHashMap<>();
		for (MessagePersisted message : messages) {
			for (String recipient : new LinkedHashSet<>(message.recipients())) {
				if (!recipient.equals(message.senderId()) && !online.contains(recipient)) {
					targets
						.computeIfAbsent(new NotificationKey(recipient, message.conversationId()),
								(key) -> new ArrayList<>())
						.add(message);
				}
			}
		}
		return targets;
	}

	/** The targets less those whose user muted the conversation. */
	public static Map<NotificationKey, List<MessagePersisted>> withoutMuted(
			Map<NotificationKey, List<MessagePersisted>> targets, Set<NotificationKey> muted) {
		Map<NotificationKey, List<MessagePersisted>> kept = new LinkedHashMap<>(targets);
		kept.keySet().removeAll(muted);
		return kept;
	}

}
