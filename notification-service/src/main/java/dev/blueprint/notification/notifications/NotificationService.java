package dev.blueprint.notification.notifications;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.blueprint.chat.contracts.ChatEvent.MessagePersisted;
import dev.blueprint.notification.NotificationProperties;
import dev.blueprint.notification.notifications.core.Notification;
import dev.blueprint.notification.notifications.core.NotificationCollapse;
import dev.blueprint.notification.notifications.core.NotificationPages;
import dev.blueprint.notification.notifications.core.NotificationKey;
import dev.blueprint.platform.web.InvalidFieldException;

/**
 * Records notifications (collapsed per user and conversation) and serves the
 * notifications REST API: listing, marking seen, muting.
 */
public class NotificationService {

	private final NotificationStore store;

	private final NotificationProperties.Notifications settings;

	private final Clock clock;

	/**
	 * Notifications whose write failed, by key, as they were to be written: a write that
	 * timed out may have been applied all the same, and then the batch's retry reads them
	 * back unchanged and would not push them.
	 */
	private final Map<NotificationKey, Notification> unsettled = new ConcurrentHashMap<>();

	/**
	 * Unsettled writes remembered at most (a batch skipped after its retries leaves its).
	 */
	static final int MAX_UNSETTLED = 10_000;

	public NotificationService(NotificationStore store, NotificationProperties.Notifications settings, Clock clock) {
		this.store = store;
		this.settings = settings;
		this.clock = clock;
	}

	/**
	 * Folds each target's messages into its notification and stores the ones that
	 * changed, handing each one stored to {@code stored} (each is one push). When some
	 * writes fail, the ones stored are still handed over, then the failure is thrown: the
	 * batch's retry finds them already up to date, unchanged, and would not push them. A
	 * write that failed is remembered, so that when the retry finds it applied all the
	 * same (a timeout after Cassandra wrote it) it is handed over then.
	 */
	public void record(Map<NotificationKey, List<MessagePersisted>> targets, Consumer<Notification> stored) {
		if (targets.isEmpty()) {
			return;
		}
		Map<NotificationKey, Notification> current = this.store.findAll(targets.keySet());
		Instant now = this.clock.instant();
		List<Notification> changed = new ArrayList<>();
		List<Notification> appliedAfterAll = new ArrayList<>();
		targets.forEach((key, messages) -> {
			Notification before = current.get(key);
			Notification after = before;
			for (MessagePersisted message : messages) {
				after = NotificationCollapse.apply(after, key.userId(), message, now, this.settings.previewLength(),
						UUID::randomUUID);
			}
			if (after != before) {
				changed.add(after);
			}
			else if (before != null && sameVersion(this.unsettled.get(key), before)) {
				appliedAfterAll.add(before);
			}
		});
		for (Notification applied : appliedAfterAll) {
			this.unsettled.remove(key(applied));
			stored.accept(applied);
		}
		Set<NotificationKey> written = new HashSet<>();
		try {
			this.store.saveAll(changed, (n) -> {
				written.add(key(n));
				this.unsettled.remove(key(n));
				stored.accept(n);
			});
		}
		catch (RuntimeException ex) {
			if (this.unsettled.size() + changed.size() > MAX_UNSETTLED) {
				this.unsettled.clear();
			}
			for (Notification n : changed) {
				if (!written.contains(key(n))) {
					this.unsettled.put(key(n), n);
				}
			}
			throw ex;
		}
	}

	/** Whether {@code stored} is the notification {@code tried} wrote. */
	private static boolean sameVersion(Notification tried, Notification stored) {
		return tried != null && tried.id().equals(stored.id()) && tried.latestSeq() == stored.latestSeq()
				&& tried.count() == stored.count();
	}

	private static NotificationKey key(Notification n) {
		return new NotificationKey(n.userId(), n.conversationId());
	}

	/** A page of the user's notifications: unseen first, then newest first. */
	public NotificationPages.Page list(String userId, String status, Integer offset, Integer limit) {
		NotificationPages.Filter filter;
		try {
			filter = (status != null) ? NotificationPages.Filter.parse(status) : NotificationPages.Filter.ALL;
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidFieldException("status", "status must be all, unseen or seen, not '" + status + "'");
		}
		int size = (limit != null) ? limit : this.settings.defaultPageSize();
		if (size < 1 || size > this.settings.maxPageSize()) {
			throw new InvalidFieldException("limit", "limit must be between 1 and " + this.settings.maxPageSize());
		}
		int from = (offset != null) ? offset : 0;
		if (from < 0 || from > this.settings.maxOffset()) {
			throw new InvalidFieldException("offset", "offset must be between 0 and " + this.settings.maxOffset());
		}
		return NotificationPages.page(this.store.ofUser(userId), filter, from, size);
	}

	/**
	 * Marks one notification seen (idempotent).
	 * @throws NotificationExceptions.NotificationNotFoundException unless it is the
	 * user's current notification of its conversation
	 */
	public Notification markSeen(String userId, UUID id) {
		Notification notification = this.store.ofUser(userId)
			.stream()
			.filter((candidate) -> candidate.id().equals(id))
			.findFirst()
			.orElseThrow(() -> new NotificationExceptions.NotificationNotFoundException(id));
		return save(notification.markSeen(this.clock.instant()), notification);
	}

	/**
	 * Marks the user's notification of a conversation seen, if there is an unseen one.
	 */
	public void markConversationSeen(String userId, UUID conversationId) {
		this.store.find(userId, conversationId).ifPresent((n) -> save(n.markSeen(this.clock.instant()), n));
	}

	private Notification save(Notification after, Notification before) {
		if (after != before) {
			this.store.save(after);
		}
		return after;
	}

	public void mute(String userId, UUID conversationId) {
		if (!this.store.mutes(userId).containsKey(conversationId)) {
			this.store.mute(userId, conversationId, this.clock.instant());
		}
	}

	public void unmute(String userId, UUID conversationId) {
		this.store.unmute(userId, conversationId);
	}

	/** The user's muted conversations, with when each was muted. */
	public Map<UUID, Instant> mutes(String userId) {
		return this.store.mutes(userId);
	}

}
