package dev.blueprint.notification.notifications.core;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Orders, filters and pages a user's notifications: unseen first, then newest (last
 * changed) first. A user has at most one notification per conversation, so the whole set
 * is small enough to sort in memory.
 */
public final class NotificationPages {

	/** Unseen first, then the most recently changed, then by id for a stable order. */
	public static final Comparator<Notification> ORDER = Comparator.comparing(Notification::seen)
		.thenComparing(Notification::updatedAt, Comparator.reverseOrder())
		.thenComparing(Notification::id);

	private NotificationPages() {
	}

	/** Which notifications a listing shows. */
	public enum Filter {

		ALL, UNSEEN, SEEN;

		/**
		 * Reads {@code all}, {@code unseen} or {@code seen} (any case).
		 * @throws IllegalArgumentException for anything else
		 */
		public static Filter parse(String value) {
			for (Filter filter : values()) {
				if (filter.name().equals(value.toUpperCase(Locale.ROOT))) {
					return filter;
				}
			}
			throw new IllegalArgumentException(value);
		}

		boolean accepts(Notification notification) {
			return this == ALL || (this == SEEN) == notification.seen();
		}

	}

	/**
	 * One page.
	 *
	 * @param nextOffset the offset of the next page, {@code null} on the last
	 */
	public record Page(List<Notification> items, Integer nextOffset) {
	}

	public static Page page(List<Notification> all, Filter filter, int offset, int limit) {
		List<Notification> matching = all.stream().filter(filter::accepts).sorted(ORDER).toList();
		int from = Math.min(offset, matching.size());
		int to = Math.min(from + limit, matching.size());
		return new Page(matching.subList(from, to), (to < matching.size()) ? to : null);
	}

}
