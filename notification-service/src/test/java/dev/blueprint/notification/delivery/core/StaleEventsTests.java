package dev.blueprint.notification.delivery.core;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StaleEventsTests {

	private static final UUID X = UUID.randomUUID();

	private static final UUID Y = UUID.randomUUID();

	@Test
	void recentEventsAreAllDelivered() {
		List<ChatEvent> events = List.of(message(X, 1, false), message(X, 2, false), rejected(X));
		assertThat(StaleEvents.delivered(events, new boolean[] { false, false, false })).containsExactly(true, true,
				true);
	}

	@Test
	void ofAConversationsOldMessagesOnlyTheNewestIsDelivered() {
		List<ChatEvent> events = List.of(message(X, 1, false), message(X, 3, false), message(Y, 7, false),
				message(X, 2, false));
		assertThat(StaleEvents.delivered(events, new boolean[] { true, true, true, true })).containsExactly(false, true,
				true, false);
	}

	@Test
	void aConversationWithARecentMessageInTheBatchGetsNoneOfItsOldOnes() {
		List<ChatEvent> events = List.of(message(X, 1, false), message(X, 2, false));
		assertThat(StaleEvents.delivered(events, new boolean[] { true, false })).containsExactly(false, true);
	}

	@Test
	void oldRetriesAcksAndRefusalsAreDropped() {
		List<ChatEvent> events = List.of(message(X, 4, true), rejected(X), message(Y, 1, false));
		assertThat(StaleEvents.delivered(events, new boolean[] { true, true, false })).containsExactly(false, false,
				true);
	}

	private static MessagePersisted message(UUID conversation, long seq, boolean duplicate) {
		return new MessagePersisted(conversation, seq, UUID.randomUUID(), "alice", "c-" + seq, "hi", Instant.now(),
				List.of("alice", "bob"), duplicate, new ChatEvent.Origin("gw", "s-1"));
	}

	private static ChatEvent rejected(UUID conversation) {
		return new ChatEvent.MessageRejected(conversation, "mallory", "c-9", "not-a-member", "Not a member",
				new ChatEvent.Origin("gw", "s-9"));
	}

}
