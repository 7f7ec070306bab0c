package dev.blueprint.notification.notifications;

import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.notification.notifications.core.Notification;
import dev.blueprint.notification.notifications.core.NotificationPages;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's notifications and mutes. Every call needs a bearer token; a user only ever
 * sees and changes their own.
 */
@RestController
@RequestMapping("/api/v1/notifications")
class NotificationController {

	private final NotificationService notifications;

	NotificationController(NotificationService notifications) {
		this.notifications = notifications;
	}

	/** A notification as the API shows it. */
	record NotificationView(UUID id, UUID conversationId, int count, long firstSeq, long latestSeq,
			UUID latestMessageId, String senderId, String preview, boolean seen, Instant createdAt, Instant updatedAt,
			Instant seenAt) {

		static NotificationView of(Notification n) {
			return new NotificationView(n.id(), n.conversationId(), n.count(), n.firstSeq(), n.latestSeq(),
					n.latestMessageId(), n.senderId(), n.preview(), n.seen(), n.createdAt(), n.updatedAt(), n.seenAt());
		}

	}

	/** A page of notifications; {@code nextOffset} is {@code null} on the last page. */
	record PageView(List<NotificationView> items, Integer nextOffset) {
	}

	/** A muted conversation. */
	record MuteView(UUID conversationId, Instant mutedAt) {
	}

	@GetMapping
	PageView list(Principal caller, @RequestParam(required = false) String status,
			@RequestParam(required = false) Integer offset, @RequestParam(required = false) Integer limit) {
		NotificationPages.Page page = this.notifications.list(caller.getName(), status, offset, limit);
		return new PageView(page.items().stream().map(NotificationView::of).toList(), page.nextOffset());
	}

	@PostMapping("/{id}/seen")
	NotificationView markSeen(Principal caller, @PathVariable UUID id) {
		return NotificationView.of(this.notifications.markSeen(caller.getName(), id));
	}

	@PostMapping("/conversations/{conversationId}/seen")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void markConversationSeen(Principal caller, @PathVariable UUID conversationId) {
		this.notifications.markConversationSeen(caller.getName(), conversationId);
	}

	@GetMapping("/mutes")
	List<MuteView> mutes(Principal caller) {
		return this.notifications.mutes(caller.getName())
			.entrySet()
			.stream()
			.map((mute) -> new MuteView(mute.getKey(), mute.getValue()))
			.toList();
	}

	@PutMapping("/mutes/{conversationId}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void mute(Principal caller, @PathVariable UUID conversationId) {
		this.notifications.mute(caller.getName(), conversationId);
	}

	@DeleteMapping("/mutes/{conversationId}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void unmute(Principal caller, @PathVariable UUID conversationId) {
		this.notifications.unmute(caller.getName(), conversationId);
	}

}
