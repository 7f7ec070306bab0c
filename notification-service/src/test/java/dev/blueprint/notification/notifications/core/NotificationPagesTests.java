package dev.blueprint.notification.notifications.core;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class NotificationPagesTests {

	private final Instant t0 = Instant.parse("2026-11-28T06:00:00Z");

	private Notification notification(String name, int minute, boolean seen) {
		return new Notification(UUID.nameUUIDFromBytes(name.getBytes()), "bob", UUID.randomUUID(), 1, 1, 1,
				UUID.randomUUID(), "alice", name, this.t0, this.t0.plusSeconds(60L * minute),
				seen ? this.t0.plusSeconds(3600) : null);
	}

	private final List<Notification> all = List.of(notification("old-unseen", 1, false),
			notification("new-seen", 9, true), notification("new-unseen", 5, false), notification("old-seen", 2, true));

	@Test
	void unseenComeFirstThenTheNewest() {
		assertThat(NotificationPages.page(this.all, NotificationPages.Filter.ALL, 0, 10).items())
			.extracting(Notification::preview)
			.containsExactly("new-unseen", "old-unseen", "new-seen", "old-seen");
	}

	@Test
	void filtersBySeen() {
		assertThat(NotificationPages.page(this.all, NotificationPages.Filter.UNSEEN, 0, 10).items())
			.extracting(Notification::preview)
			.containsExactly("new-unseen", "old-unseen");
		assertThat(NotificationPages.page(this.all, NotificationPages.Filter.SEEN, 0, 10).items())
			.extracting(Notification::preview)
			.containsExactly("new-seen", "old-seen");
	}

	@Test
	void pagesSayWhereTheNextStarts() {
		NotificationPages.Page first = NotificationPages.page(this.all, NotificationPages.Filter.ALL, 0, 3);
		assertThat(first.items()).hasSize(3);
		assertThat(first.nextOffset()).isEqualTo(3);
		NotificationPages.Page last = NotificationPages.page(this.all, NotificationPages.Filter.ALL, 3, 3);
		assertThat(last.items()).extracting(Notification::preview).containsExactly("old-seen");
		assertThat(last.nextOffset()).isNull();
		assertThat(NotificationPages.page(this.all, NotificationPages.Filter.ALL, 4, 3).items()).isEmpty();
		assertThat(NotificationPages.page(this.all, NotificationPages.Filter.ALL, 99, 3).items()).isEmpty();
	}

	@Test
	void filterNamesAreReadInAnyCase() {
		assertThat(NotificationPages.Filter.parse("Unseen")).isEqualTo(NotificationPages.Filter.UNSEEN);
		assertThatIllegalArgumentException().isThrownBy(() -> NotificationPages.Filter.parse("read"));
	}

}
