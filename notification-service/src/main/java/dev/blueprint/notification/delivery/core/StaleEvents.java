package dev.blueprint.notification.delivery.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;

/**
 * Which events of a polled batch are delivered live when some were stored too long ago (a
 * backlog after an outage, or a new consumer group reading from the topic's start): every
 * recent one, and of the old ones only each conversation's newest stored message, unless
 * a recent message of that conversation follows in the batch. That one message shows
 * connected recipients the gap before it, which they fill from history; without it, a
 * conversation that then went quiet showed nothing of its last messages until the client
 * reconnected (the push listener sends no notification to a connected user). Old acks,
 * receipts, refusals and retries' re-acks are dropped: senders resend unacked messages
 * (stored once), and receipts are read over REST.
 */
public final class StaleEvents {

	private StaleEvents() {
	}

	/**
	 * @param events a batch's events, in order
	 * @param stale whether each was stored too long ago
	 * @return whether each is delivered
	 */
	public static boolean[] delivered(List<ChatEvent> events, boolean[] stale) {
		Map<UUID, Integer> newestStale = new HashMap<>();
		Map<UUID, Boolean> recentMessage = new HashMap<>();
		for (int i = 0; i < events.size(); i++) {
			if (!(events.get(i) instanceof MessagePersisted message) || message.duplicate()) {
				continue;
			}
			if (!stale[i]) {
				recentMessage.put(message.conversationId(), true);
				continue;
			}
			Integer newest = newestStale.get(message.conversationId());
			if (newest == null || ((MessagePersisted) events.get(newest)).seq() < message.seq()) {
				newestStale.put(message.conversationId(), i);
			}
		}
		boolean[] delivered = new boolean[events.size()];
		for (int i = 0; i < events.size(); i++) {
			delivered[i] = !stale[i];
		}
		newestStale.forEach((conversation, index) -> {
			if (!recentMessage.containsKey(conversation)) {
				delivered[index] = true;
			}
		});
		return delivered;
	}

}
