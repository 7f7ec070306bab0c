package dev.blueprint.notification.notifications.core;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NotificationCollapseTests {

	private final UUID conversation = UUID.randomUUID();

	private final UUID firstId = UUID.randomUUID();

	private final UUID secondId = UUID.randomUUID();

	private final Instant t0 = Instant.parse("2026-11-28T06:00:00Z");

	private MessagePersisted message(long seq, String body) {
		return new MessagePersisted(this.conversation, seq, UUID.randomUUID(), "alice", "c-" + seq, body, this.t0,
				List.of("alice", "bob"), false, new ChatEvent.Origin("gw", "s"));
	}

	@Test
	void messagesCollapseIntoOneUnseenNotificationCountingThem() {
		Notification one = NotificationCollapse.apply(null, "bob", message(4, "a"), this.t0, 100, () -> this.firstId);
		Notification three = NotificationCollapse.apply(
				NotificationCollapse.apply(one, "bob", message(5, "b"), this.t0.plusSeconds(1), 100, UUID::randomUUID),
				"bob", message(6, "c"), this.t0.plusSeconds(2), 100, UUID::randomUUID);
		assertThat(three.id()).isEqualTo(this.firstId);
		assertThat(three.count()).isEqualTo(3);
		assertThat(three.firstSeq()).isEqualTo(4);
		assertThat(three.latestSeq()).isEqualTo(6);
		assertThat(three.preview()).isEqualTo("c");
		assertThat(three.createdAt()).isEqualTo(this.t0);
		assertThat(three.updatedAt()).isEqualTo(this.t0.plusSeconds(2));
		assertThat(three.seen()).isFalse();
	}

	@Test
	void aMessageAfterTheNotificationWasSeenStartsANewOne() {
		Notification seen = NotificationCollapse.apply(null, "bob", message(4, "a"), this.t0, 100, () -> this.firstId)
			.markSeen(this.t0.plusSeconds(5));
		Notification next = NotificationCollapse.apply(seen, "bob", message(5, "b"), this.t0.plusSeconds(9), 100,
				() -> this.secondId);
		assertThat(next.id()).isEqualTo(this.secondId);
		assertThat(next.count()).isEqualTo(1);
		assertThat(next.firstSeq()).isEqualTo(5);
		assertThat(next.seen()).isFalse();
	}

	@Test
	void aMessageSeenBeforeChangesNothing() {
		Notification two = NotificationCollapse.apply(
				NotificationCollapse.apply(null, "bob", message(4, "a"), this.t0, 100, () -> this.firstId), "bob",
				message(5, "b"), this.t0, 100, UUID::randomUUID);
		assertThat(
				NotificationCollapse.apply(two, "bob", message(5, "b"), this.t0.plusSeconds(1), 100, UUID::randomUUID))
			.isSameAs(two);
		assertThat(
				NotificationCollapse.apply(two, "bob", message(3, "z"), this.t0.plusSeconds(1), 100, UUID::randomUUID))
			.isSameAs(two);
		Notification seen = two.markSeen(this.t0);
		assertThat(NotificationCollapse.apply(seen, "bob", message(5, "b"), this.t0, 100, UUID::randomUUID))
			.isSameAs(seen);
	}

	@Test
	void previewsAreCutAtTheirLengthInCodePoints() {
		assertThat(NotificationCollapse.preview("hello", 5)).isEqualTo("hello");
		assertThat(NotificationCollapse.preview("hello!", 5)).isEqualTo("hello\u2026");
		assertThat(NotificationCollapse.preview("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", 2))
			.isEqualTo("\uD83D\uDE00\uD83D\uDE00\u2026");
		assertThat(NotificationCollapse.preview("hello", 0)).isNull();
	}

}
