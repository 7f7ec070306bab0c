package dev.blueprint.notification.push.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.notification.notifications.core.NotificationKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PushPlannerTests {

	private final UUID group = UUID.randomUUID();

	private final UUID direct = UUID.randomUUID();

	private MessagePersisted message(UUID conversation, long seq, String sender, boolean duplicate, String... members) {
		return new MessagePersisted(conversation, seq, UUID.randomUUID(), sender, "c-" + seq, "b" + seq, Instant.EPOCH,
				List.of(members), duplicate, new ChatEvent.Origin("gw", "s"));
	}

	@Test
	void offlineRecipientsButNeverTheSenderGetTheirMessagesGroupedPerConversation() {
		List<MessagePersisted> messages = List.of(message(this.group, 1, "alice", false, "alice", "bob", "carol"),
				message(this.direct, 7, "alice", false, "alice", "bob"),
				message(this.group, 2, "bob", false, "alice", "bob", "carol"));
		Map<NotificationKey, List<MessagePersisted>> offline = PushPlanner.offline(messages, Set.of("carol"));
		assertThat(offline).containsOnlyKeys(new NotificationKey("bob", this.group),
				new NotificationKey("bob", this.direct), new NotificationKey("alice", this.group));
		assertThat(offline.get(new NotificationKey("bob", this.group))).extracting(MessagePersisted::seq)
			.containsExactly(1L);
		assertThat(offline.get(new NotificationKey("alice", this.group))).extracting(MessagePersisted::seq)
			.containsExactly(2L);
		assertThat(PushPlanner.recipients(messages)).containsExactlyInAnyOrder("bob", "carol", "alice");
	}

	@Test
	void retriedMessagesAndRefusalsNotifyNobody() {
		List<ChatEvent> events = List.of(message(this.group, 1, "alice", true, "alice", "bob"),
				new ChatEvent.MessageRejected(this.group, "mallory", "c-1", "not-a-member", "no", null),
				message(this.group, 2, "alice", false, "alice", "bob"));
		assertThat(PushPlanner.newMessages(events)).extracting(MessagePersisted::seq).containsExactly(2L);
	}

	@Test
	void aMutedConversationIsLeftOutForThatUserOnly() {
		Map<NotificationKey, List<MessagePersisted>> offline = PushPlanner
			.offline(List.of(message(this.group, 1, "alice", false, "alice", "bob", "carol")), Set.of());
		assertThat(PushPlanner.withoutMuted(offline, Set.of(new NotificationKey("bob", this.group))))
			.containsOnlyKeys(new NotificationKey("carol", this.group));
	}

	@Test
	void theCollapseKeyIsTheUserAndConversation() {
		assertThat(new NotificationKey("bob", this.group).collapseKey()).isEqualTo("bob:" + this.group);
	}

}
