package dev.blueprint.presence.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.blueprint.chat.contracts.PresenceChanged.Presence;
import dev.blueprint.platform.web.InvalidFieldException;
import dev.blueprint.presence.PresenceProperties;
import dev.blueprint.presence.contacts.ContactDirectory;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.QueryPolicy;
import dev.blueprint.presence.tracking.PresenceTracker;
import dev.blueprint.ratelimit.client.RateLimited;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The presence REST API. Every call needs a bearer token; a caller reads its own presence
 * and its contacts' ({@link QueryPolicy}).
 */
@RestController
@RequestMapping("/api/v1/presence")
class PresenceController {

	private final PresenceTracker tracker;

	private final ContactDirectory contacts;

	private final int maxQueryUsers;

	PresenceController(PresenceTracker tracker, ContactDirectory contacts, PresenceProperties properties) {
		this.tracker = tracker;
		this.contacts = contacts;
		this.maxQueryUsers = properties.maxQueryUsers();
	}

	/** Body of {@code POST /api/v1/presence/query}. */
	record QueryRequest(List<String> userIds) {
	}

	/** Body of {@code PUT /api/v1/presence/me}. */
	record ChoiceRequest(String status) {
	}

	@GetMapping("/{userId}")
	@RateLimited("presence-query")
	Presence one(@AuthenticationPrincipal Jwt caller, @PathVariable String userId) {
		return query(caller, List.of(userId), "userId").get(0);
	}

	@PostMapping("/query")
	@RateLimited("presence-query")
	List<Presence> many(@AuthenticationPrincipal Jwt caller, @RequestBody QueryRequest request) {
		List<String> userIds = (request != null) ? request.userIds() : null;
		if (userIds == null || userIds.isEmpty()) {
			throw new InvalidFieldException("userIds",
					"userIds is required: a list of 1 to " + this.maxQueryUsers + " user ids");
		}
		if (userIds.size() > this.maxQueryUsers) {
			throw new InvalidFieldException("userIds",
					"userIds has " + userIds.size() + " entries; at most " + this.maxQueryUsers + " per query");
		}
		return query(caller, userIds, "userIds");
	}

	@GetMapping("/me")
	@RateLimited("presence-query")
	Presence me(@AuthenticationPrincipal Jwt caller) {
		String user = userOf(caller);
		return own(user, this.tracker.presenceOf(List.of(user)).get(user));
	}

	@PutMapping("/me")
	@RateLimited("presence-update")
	Presence choose(@AuthenticationPrincipal Jwt caller, @RequestBody ChoiceRequest request) {
		Choice choice = Choice.fromWire((request != null) ? request.status() : null);
		if (choice == null) {
			throw new InvalidFieldException("status", "status must be online, away or invisible, not "
					+ ((request == null || request.status() == null) ? "missing" : "'" + request.status() + "'"));
		}
		String user = userOf(caller);
		return own(user, this.tracker.choose(user, choice));
	}

	private List<Presence> query(Jwt caller, List<String> userIds, String field) {
		String user = userOf(caller);
		for (String userId : userIds) {
			if (!QueryPolicy.validUserId(userId)) {
				throw new InvalidFieldException(field, field + " contains an invalid user id '"
						+ abbreviate(String.valueOf(userId)) + "' (letters, digits, '.', '_', '@', '-'; at most 128)");
			}
		}
		boolean onlySelf = userIds.stream().allMatch(user::equals);
		Set<String> known = onlySelf ? Set.of() : this.contacts.of(user, caller.getTokenValue());
		List<String> refused = QueryPolicy.refused(user, known, userIds);
		if (!refused.isEmpty()) {
			throw new ApiProblems.NotAContact(refused);
		}
		Map<String, dev.blueprint.presence.core.Presence> stored = this.tracker.presenceOf(userIds);
		List<Presence> answer = new ArrayList<>();
		for (String userId : userIds) {
			dev.blueprint.presence.core.Presence presence = stored.get(userId);
			answer.add(userId.equals(user) ? own(user, presence)
					: new Presence(userId, presence.status().visible().wire(), presence.lastSeen()));
		}
		return answer;
	}

	/**
	 * The caller's user id, the token's {@code sub}. A correctly signed token may have no
	 * subject (401: it names nobody; it failed with a NullPointerException, a 500), or
	 * one that is no user id chat accepts, another issuer's (403, not 401: a new token
	 * would carry the same subject, and a client that refreshes on 401 would loop).
	 */
	private static String userOf(Jwt caller) {
		String user = caller.getSubject();
		if (user == null || user.isBlank()) {
			throw new ApiProblems.NotAUser();
		}
		if (!QueryPolicy.validUserId(user)) {
			throw new ApiProblems.UserIdNotAccepted(user);
		}
		return user;
	}

	/** What the user sees of itself: {@code invisible} included. */
	private static Presence own(String user, dev.blueprint.presence.core.Presence presence) {
		return new Presence(user, presence.status().wire(), presence.lastSeen());
	}

	private static String abbreviate(String value) {
		return (value.length() <= 40) ? value : value.substring(0, 40) + "…";
	}

}
