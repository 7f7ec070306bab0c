package dev.blueprint.chat.message.web;

import java.net.URI;
import java.security.Principal;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.message.conversations.Conversation;
import dev.blueprint.chat.message.conversations.ConversationService;
import dev.blueprint.chat.message.conversations.HistoryMessage;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The chat REST API: conversations, members and history. Every call needs a bearer token.
 */
@RestController
@RequestMapping("/api/v1/conversations")
class ConversationController {

	private final ConversationService conversations;

	ConversationController(ConversationService conversations) {
		this.conversations = conversations;
	}

	/** Body of {@code POST /api/v1/conversations}. */
	record CreateConversationRequest(String type, List<String> members, String name) {
	}

	@PostMapping
	ResponseEntity<Conversation> create(Principal caller, @RequestBody CreateConversationRequest request,
			@RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
		ConversationService.Created created = this.conversations.create(caller.getName(), request.type(),
				request.members(), request.name(), idempotencyKey);
		Conversation conversation = created.conversation();
		return ResponseEntity.status(created.isNew() ? HttpStatus.CREATED : HttpStatus.OK)
			.location(URI.create("/api/v1/conversations/" + conversation.id()))
			.body(conversation);
	}

	/**
	 * The caller's conversations: summaries with last seq and last message, or with
	 * {@code view=members} only each one's id, type, name and members (half the reads).
	 */
	@GetMapping
	List<?> list(Principal caller, @RequestParam(required = false) String view) {
		return this.conversations.list(caller.getName(), view);
	}

	@GetMapping("/{id}")
	Conversation get(Principal caller, @PathVariable UUID id) {
		return this.conversations.get(caller.getName(), id);
	}

	@GetMapping("/{id}/messages")
	List<HistoryMessage> history(Principal caller, @PathVariable UUID id, @RequestParam(required = false) Long after,
			@RequestParam(required = false) Long before, @RequestParam(required = false) Integer limit) {
		return this.conversations.historyWithReceipts(caller.getName(), id, after, before, limit);
	}

	/** Every member's delivered and read watermarks (members only). */
	@GetMapping("/{id}/receipts")
	List<ConversationService.MemberReceipts> receipts(Principal caller, @PathVariable UUID id) {
		return this.conversations.receipts(caller.getName(), id);
	}

	@PostMapping("/{id}/members/{userId}")
	Conversation addMember(Principal caller, @PathVariable UUID id, @PathVariable String userId) {
		return this.conversations.addMember(caller.getName(), id, userId);
	}

	@DeleteMapping("/{id}/members/{userId}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void removeMember(Principal caller, @PathVariable UUID id, @PathVariable String userId) {
		this.conversations.removeMember(caller.getName(), id, userId);
	}

}
