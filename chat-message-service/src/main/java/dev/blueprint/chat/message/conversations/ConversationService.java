package dev.blueprint.chat.message.conversations;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.datastax.oss.driver.api.core.DriverException;
import dev.blueprint.chat.message.ChatMessageProperties;
import dev.blueprint.chat.message.conversations.ChatExceptions.ChangePendingException;
import dev.blueprint.chat.message.conversations.ChatExceptions.ConflictException;
import dev.blueprint.chat.message.conversations.ChatExceptions.ConversationNotFoundException;
import dev.blueprint.chat.message.conversations.ChatExceptions.ForbiddenException;
import dev.blueprint.chat.message.receipts.core.Watermarks;
import dev.blueprint.chat.message.storage.ChatStore;
import dev.blueprint.chat.message.storage.ChatStore.Announcement;
import dev.blueprint.chat.message.storage.ChatStore.SequenceState;
import dev.blueprint.platform.web.InvalidFieldException;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conversations, members and history. A membership change is announced through
 * {@link MembershipEvents} on the conversation's partition, where the sequencer applies
 * it in order with the messages, to its own members and to the members table; the call
 * waits for that (202 if it takes longer than the timeout: the change will apply).
 * Repeating a call that failed (Kafka unreachable) announces it again while neither the
 * table nor a pending change shows it; applying a change twice is applying it once.
 */
public class ConversationService {

	private static final Logger logger = LoggerFactory.getLogger(ConversationService.class);

	/**
	 * Conversations {@link #list} loads at once: four reads each, so 256 requests in
	 * flight at most, as {@code ChatStore}'s writes (the API's share of Cassandra
	 * requests, {@code chat.storage.api-requests-in-flight}, bounds all calls together).
	 */
	private static final int LISTED_IN_FLIGHT = 64;

	/** The list's {@code view} that gives only ids and members ({@link #listMembers}). */
	public static final String MEMBERS_VIEW = "members";

	private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]+");

	private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]+");

	/** Longest {@code Idempotency-Key} of a group create. */
	public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 128;

	private final ChatStore store;

	private final MembershipEvents events;

	private final ChatMessageProperties.Limits limits;

	private final Clock clock;

	private final Duration applyTimeout;

	public ConversationService(ChatStore store, MembershipEvents events, ChatMessageProperties.Limits limits,
			Duration applyTimeout, Clock clock) {
		this.store = store;
		this.events = events;
		this.limits = limits;
		this.applyTimeout = applyTimeout;
		this.clock = clock;
	}

	/**
	 * Announces membership changes to the sequencer; returns once the record is in the
	 * log.
	 */
	public interface MembershipEvents {

		Announced added(UUID conversationId, String userId, Instant at);

		Announced removed(UUID conversationId, String userId, Instant at);

	}

	/** Where an announced change is in the log. */
	public record Announced(int partition, long offset) {
	}

	/**
	 * Creates a conversation with the caller as a member.
	 * @return the conversation and whether it is new (a direct conversation of the same
	 * pair is created once)
	 */
	public Created create(String caller, String type, List<String> requestedMembers, String name) {
		return create(caller, type, requestedMembers, name, null);
	}

	/**
	 * Creates a conversation with the caller as a member; a group's retries with the same
	 * {@code idempotencyKey} (from the caller, within {@link ChatStore#REQUEST_KEY_TTL})
	 * create it once: a retry after a failure or a lost answer gets the same id, and the
	 * group if it was written (not new). A key used for another request is refused. A
	 * direct conversation needs no key (a pair has one).
	 * @return the conversation and whether it is new
	 */
	public Created create(String caller, String type, List<String> requestedMembers, String name,
			String idempotencyKey) {
		if (caller.length() > this.limits.maxUserIdLength() || !USER_ID.matcher(caller).matches()) {
			// A token's subject from an external issuer may be anything: one outside the
			// rule could not be added by others, and a '|' in it could name another
			// pair's direct conversation.
			throw new ForbiddenException("Your user id '" + abbreviate(caller)
					+ "' cannot take part in conversations (letters, digits, '.', '_', '@', '-'; at most "
					+ this.limits.maxUserIdLength() + ")");
		}
		if (type == null || type.isBlank()) {
			throw new InvalidFieldException("type", "type is required: direct or group");
		}
		if (!Conversation.DIRECT.equals(type) && !Conversation.GROUP.equals(type)) {
			throw new InvalidFieldException("type", "type must be direct or group, not '" + type + "'");
		}
		if (requestedMembers == null || requestedMembers.isEmpty()) {
			throw new InvalidFieldException("members", "members is required: the other participants' user ids");
		}
		Set<String> members = new LinkedHashSet<>();
		members.add(caller);
		for (String member : requestedMembers) {
			members.add(validUserId("members", member));
		}
		if (name != null && name.length() > this.limits.maxNameLength()) {
			throw new InvalidFieldException("name",
					"name is longer than " + this.limits.maxNameLength() + " characters");
		}
		Instant now = this.clock.instant();
		if (Conversation.DIRECT.equals(type)) {
			if (members.size() != 2) {
				throw new InvalidFieldException("members",
						"a direct conversation has exactly one other member besides the caller");
			}
			if (name != null) {
				throw new InvalidFieldException("name", "a direct conversation has no name");
			}
			List<String> pair = members.stream().sorted().toList();
			UUID id = this.store.claimDirectPair(pair.get(0) + "|" + pair.get(1), UUID.randomUUID());
			var existing = this.store.findConversation(id);
			if (existing.isPresent()) {
				return new Created(existing.get(), false);
			}
			// Claimed now, or by a call that is still writing the rows, failed before it
			// could or was refused below: write them (the same members either way). New
			// for the one call that writes the conversation's row first.
			try {
				checkRoom(members);
			}
			catch (ConflictException full) {
				// a call for the same pair may have written it meanwhile, which is what
				// filled the member's last place: this one finds it, as any later call
				// would
				Optional<Conversation> written = this.store.findConversation(id);
				if (written.isPresent()) {
					return new Created(written.get(), false);
				}
				throw full;
			}
			Conversation conversation = new Conversation(id, Conversation.DIRECT, null, caller, now, pair);
			if (this.store.saveConversation(conversation)) {
				return new Created(conversation, true);
			}
			return new Created(this.store.findConversation(id).orElse(conversation), false);
		}
		if (members.size() > this.limits.maxGroupMembers()) {
			throw new InvalidFieldException("members",
					"a group has at most " + this.limits.maxGroupMembers() + " members");
		}
		UUID id = UUID.randomUUID();
		if (idempotencyKey != null) {
			if (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH
					|| !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
				throw new InvalidFieldException("Idempotency-Key", "Idempotency-Key must be 1-"
						+ MAX_IDEMPOTENCY_KEY_LENGTH + " of letters, digits, '.', '_', ':', '-'");
			}
			String hash = requestHash(members, name);
			ChatStore.RequestClaim claim = this.store.claimRequestKey(caller, idempotencyKey, hash, id);
			if (!claim.requestHash().equals(hash)) {
				throw new ConflictException("Idempotency-Key '" + idempotencyKey
						+ "' was used for another request (other members or name); use a new key for a new group");
			}
			id = claim.conversationId();
			Optional<Conversation> written = this.store.findConversation(id);
			if (written.isPresent()) {
				if (!written.get().members().contains(caller)) {
					// the caller left it since: the key gives no way back in
					throw new ForbiddenException("Not a member of conversation " + id
							+ ", created earlier with Idempotency-Key '" + idempotencyKey + "'");
				}
				return new Created(written.get(), false);
			}
			// claimed now, or by an attempt that failed before the group was written
		}
		checkRoom(members);
		Conversation conversation = new Conversation(id, Conversation.GROUP, name, caller, now, List.copyOf(members));
		this.store.saveConversation(conversation);
		return new Created(conversation, true);
	}

	/** A group request's members (as a set) and name, for its Idempotency-Key. */
	private static String requestHash(Set<String> members, String name) {
		String canonical = String.join("\n", new java.util.TreeSet<>(members)) + "\n\n"
				+ ((name != null) ? "name:" + name : "no name");
		try {
			return java.util.HexFormat.of()
				.formatHex(java.security.MessageDigest.getInstance("SHA-256")
					.digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A conversation the caller is a member of. */
	public Conversation get(String caller, UUID id) {
		Conversation conversation = this.store.findConversation(id)
			.orElseThrow(() -> new ConversationNotFoundException(id));
		if (!conversation.members().contains(caller)) {
			throw new ForbiddenException("Not a member of conversation " + id);
		}
		return conversation;
	}

	/**
	 * The caller's conversations as {@code view} asks: {@link #list(String)} when it is
	 * absent, {@link #listMembers} for {@code members}; any other view is a 400 naming
	 * it.
	 */
	public List<?> list(String caller, String view) {
		if (view == null) {
			return list(caller);
		}
		if (MEMBERS_VIEW.equals(view)) {
			return listMembers(caller);
		}
		throw new InvalidFieldException("view",
				"view must be '" + MEMBERS_VIEW + "' or left out (the full list), not '" + abbreviate(view) + "'");
	}

	/**
	 * The caller's conversations, all of them (at most about
	 * {@code max-conversations-per-user}), most recently active first.
	 */
	public List<ConversationSummary> list(String caller) {
		List<ConversationSummary> summaries = loadAll(caller, (id) -> {
			CompletableFuture<ConversationState> state = this.store.stateAsync(id);
			CompletableFuture<Watermarks> own = this.store.watermarksAsync(id, caller);
			return this.store.findConversationAsync(id)
				.thenCombine(state.thenCombine(own, OwnState::new),
						(conversation, known) -> conversation
							.map((c) -> ConversationSummary.of(c, known.state(), known.own()))
							.orElse(null));
		});
		summaries.sort(Comparator.comparing(ConversationSummary::lastActivity).reversed());
		return summaries;
	}

	/**
	 * The caller's conversations with their members and nothing else, in no particular
	 * order: two reads a conversation instead of the list's four. What the gateways and
	 * presence-service need to know a user's contacts.
	 */
	public List<Conversation> listMembers(String caller) {
		return loadAll(caller, (id) -> this.store.findConversationAsync(id).thenApply((found) -> found.orElse(null)));
	}

	/**
	 * Loads each of the caller's conversations, {@link #LISTED_IN_FLIGHT} at a time (one
	 * wave at a time: a large list does not take the API's whole share), leaving out
	 * those that load as {@code null} (rows of a creation that failed half-way).
	 */
	private <T> List<T> loadAll(String caller, Function<UUID, CompletableFuture<T>> load) {
		List<CompletableFuture<T>> loading = new ArrayList<>();
		for (UUID id : this.store.conversationIdsOf(caller)) {
			if (loading.size() % LISTED_IN_FLIGHT == 0) {
				CompletableFuture.allOf(loading.toArray(CompletableFuture[]::new))
					.exceptionally((failure) -> null)
					.join();
			}
			loading.add(load.apply(id));
		}
		List<T> loaded = new ArrayList<>();
		for (CompletableFuture<T> one : loading) {
			T value = one.join();
			if (value != null) {
				loaded.add(value);
			}
		}
		return loaded;
	}

	/**
	 * Every member's watermarks, in member order (0 for a member who has none yet).
	 */
	public List<MemberReceipts> receipts(String caller, UUID id) {
		Conversation conversation = get(caller, id);
		Map<String, Watermarks> stored = this.store.watermarksOf(id);
		List<MemberReceipts> receipts = new ArrayList<>(conversation.members().size());
		for (String member : conversation.members()) {
			Watermarks watermarks = stored.getOrDefault(member, Watermarks.NONE);
			receipts.add(new MemberReceipts(member, watermarks.delivered(), watermarks.read()));
		}
		return receipts;
	}

	/**
	 * A page of history ({@link #history}) where each message the caller sent says which
	 * other current members have received and read it (their watermarks are at or above
	 * its seq).
	 */
	public List<HistoryMessage> historyWithReceipts(String caller, UUID id, Long after, Long before, Integer limit) {
		List<StoredMessage> page = history(caller, id, after, before, limit);
		boolean anyOwn = page.stream().anyMatch((message) -> caller.equals(message.senderId()));
		Map<String, Watermarks> stored = anyOwn ? this.store.watermarksOf(id) : Map.of();
		List<String> others = new ArrayList<>();
		if (anyOwn) {
			for (String member : get(caller, id).members()) {
				if (!member.equals(caller)) {
					others.add(member);
				}
			}
		}
		List<HistoryMessage> messages = new ArrayList<>(page.size());
		for (StoredMessage message : page) {
			if (!caller.equals(message.senderId())) {
				messages.add(HistoryMessage.of(message, null, null));
				continue;
			}
			List<String> readBy = new ArrayList<>();
			List<String> deliveredTo = new ArrayList<>();
			for (String member : others) {
				Watermarks watermarks = stored.getOrDefault(member, Watermarks.NONE);
				if (watermarks.read() >= message.seq()) {
					readBy.add(member);
				}
				if (watermarks.delivered() >= message.seq()) {
					deliveredTo.add(member);
				}
			}
			messages.add(HistoryMessage.of(message, readBy, deliveredTo));
		}
		return messages;
	}

	/**
	 * A page of history in seq order: after {@code after}, or before {@code before}, or
	 * the latest messages when neither is given.
	 */
	public List<StoredMessage> history(String caller, UUID id, Long after, Long before, Integer limit) {
		if (after != null && before != null) {
			throw new InvalidFieldException("after", "give after or before, not both");
		}
		if (after != null && after < 0) {
			throw new InvalidFieldException("after", "after must be 0 or more");
		}
		if (before != null && before < 1) {
			throw new InvalidFieldException("before", "before must be 1 or more");
		}
		int size = (limit != null) ? limit : this.limits.defaultPageSize();
		if (size < 1 || size > this.limits.maxPageSize()) {
			throw new InvalidFieldException("limit", "limit must be between 1 and " + this.limits.maxPageSize());
		}
		get(caller, id);
		long lastSeq = this.store.state(id).lastSeq();
		if (after != null) {
			List<StoredMessage> page = new ArrayList<>();
			if (after >= lastSeq) {
				// nothing after it; and no bucket walk from a seq far beyond the last
				// (after + 1 would overflow at Long.MAX_VALUE)
				return page;
			}
			long from = after;
			for (long bucket = this.store.bucketOf(after + 1); page.size() < size
					&& bucket <= this.store.bucketOf(lastSeq); bucket++) {
				page.addAll(this.store.messagesAfter(id, bucket, from, size - page.size()));
			}
			return page;
		}
		long to = (before != null) ? Math.min(before, lastSeq + 1) : lastSeq + 1;
		List<StoredMessage> page = new ArrayList<>();
		for (long bucket = this.store.bucketOf(Math.max(to - 1, 0)); page.size() < size && bucket >= 0
				&& to > 1; bucket--) {
			page.addAll(this.store.messagesBefore(id, bucket, to, size - page.size()));
		}
		java.util.Collections.reverse(page);
		return page;
	}

	/**
	 * Adds a member to a group; any member may add. The change goes to the message log,
	 * and the call returns once the sequencer has applied it: their next message is
	 * accepted. Adding a member whose addition is pending waits for it; adding one whose
	 * removal is pending puts the addition after it.
	 */
	public Conversation addMember(String caller, UUID id, String userId) {
		String user = validUserId("userId", userId);
		Progress progress = new Progress(id);
		Conversation conversation = changeableBy(caller, id, progress);
		Membership membership = membership(progress, conversation, user);
		if (membership.member()) {
			membership.pending().ifPresent((pending) -> awaitApplied(id, pending));
		}
		else {
			if (!conversation.members().contains(user)) {
				if (conversation.members().size() >= this.limits.maxGroupMembers()) {
					throw groupFull();
				}
				checkRoom(List.of(user));
			}
			awaitApplied(id, announce(id, user, true));
		}
		Conversation after = this.store.findConversation(id).orElseThrow(() -> new ConversationNotFoundException(id));
		if (!after.members().contains(user) && after.members().size() >= this.limits.maxGroupMembers()) {
			// Others joined first: the sequencer holds the limit in log order.
			throw groupFull();
		}
		return after;
	}

	private ConflictException groupFull() {
		return new ConflictException("The group has its maximum of " + this.limits.maxGroupMembers() + " members");
	}

	/**
	 * Removes a member from a group: members may leave; the creator may remove anyone.
	 * Returns once the sequencer has applied it: messages the member sent before it keep
	 * their place, later ones are refused. Removing a member whose removal is pending
	 * waits for it; removing one whose addition is pending puts the removal after it.
	 */
	public void removeMember(String caller, UUID id, String userId) {
		String user = validUserId("userId", userId);
		// Leaving again while the leave is pending waits for it.
		Progress progress = new Progress(id);
		Conversation conversation = caller.equals(user) ? group(caller, id) : changeableBy(caller, id, progress);
		if (!caller.equals(user) && !caller.equals(conversation.createdBy())) {
			throw new ForbiddenException("Only the group's creator can remove other members");
		}
		Membership membership = membership(progress, conversation, user);
		if (membership.member()) {
			awaitApplied(id, announce(id, user, false));
		}
		else if (membership.pending().isPresent()) {
			awaitApplied(id, membership.pending().get());
		}
		else {
			throw new ConversationNotFoundException(id + " member " + user);
		}
	}

	/**
	 * The group, if {@code caller} is a member and stays one once the changes in the log
	 * are applied: a member whose removal is pending cannot undo it, nor change others.
	 */
	private Conversation changeableBy(String caller, UUID id, Progress progress) {
		Conversation conversation = group(caller, id);
		if (!membership(progress, conversation, caller).member()) {
			throw new ForbiddenException("Not a member of conversation " + id + ": your removal is pending");
		}
		return conversation;
	}

	private Conversation group(String caller, UUID id) {
		Conversation conversation = get(caller, id);
		if (conversation.isDirect()) {
			throw new ConflictException("A direct conversation's members cannot change");
		}
		return conversation;
	}

	/**
	 * Whether {@code user} is a member once the changes in the log are applied: the
	 * members table shows what the sequencer has applied, and the last change announced
	 * for the user, while the sequencer has not applied it, what it will. Once it has
	 * applied, the answer is the sequencer's members as read with its progress:
	 * {@code conversation} was read before the progress, and the change may have applied
	 * in between, so that copy may not show it.
	 */
	private Membership membership(Progress progress, Conversation conversation, String user) {
		Optional<Announcement> last = this.store.announcement(progress.id, user);
		if (last.isPresent()) {
			Announced at = new Announced(last.get().partition(), last.get().offset());
			if (!progress.applied(at)) {
				return new Membership(last.get().added(), Optional.of(at));
			}
			return new Membership(progress.members().contains(user), Optional.empty());
		}
		return new Membership(conversation.members().contains(user), Optional.empty());
	}

	/**
	 * Puts the change in the log and records it for {@link #membership}. Recorded after
	 * the send, so a call that reads in between sees the change only once it applies. A
	 * record that fails is logged: the change is in the log and applies all the same.
	 */
	private Announced announce(UUID id, String user, boolean added) {
		Instant now = this.clock.instant();
		Announced at = added ? this.events.added(id, user, now) : this.events.removed(id, user, now);
		try {
			this.store.saveAnnouncement(id, user, new Announcement(added, at.partition(), at.offset()));
		}
		catch (DriverException | BulkheadFullException ex) {
			logger.warn("Membership change of {} in {} is in the log but not recorded as pending: {}", user, id,
					ex.toString());
		}
		return at;
	}

	/**
	 * Waits until the sequencer has applied the change (its members come from the
	 * change's record or a later one), up to {@code membershipApplyTimeout}, polling with
	 * a back-off from 10 to 200 ms. By the record, not by the member: another change of
	 * the same member right after it (an add, then a leave) must not keep the caller
	 * waiting for a state that is already gone.
	 */
	private void awaitApplied(UUID id, Announced change) {
		long deadline = System.nanoTime() + this.applyTimeout.toNanos();
		long pause = 10;
		while (!appliedOrUnknown(id, change)) {
			if (System.nanoTime() - deadline >= 0) {
				throw new ChangePendingException();
			}
			try {
				Thread.sleep(pause);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new ChangePendingException();
			}
			pause = Math.min(pause * 2, 200);
		}
	}

	/**
	 * Refuses (409) a new membership of a user who is in
	 * {@code max-conversations-per-user} conversations already, naming them.
	 */
	private void checkRoom(java.util.Collection<String> users) {
		Optional<String> full = this.store.userWithAtLeast(users, this.limits.maxConversationsPerUser());
		if (full.isPresent()) {
			throw new ConflictException(full.get() + " is in " + this.limits.maxConversationsPerUser()
					+ " conversations, the most one user may be in: leave one first");
		}
	}

	/**
	 * Whether the change is applied; {@code false} while Cassandra fails or the API's
	 * share of its requests is full: the change is in the log and will apply, so the
	 * caller hears pending (202), not unavailable or busy (503).
	 */
	private boolean appliedOrUnknown(UUID id, Announced change) {
		try {
			return this.store.sequenceState(id).applied(change.partition(), change.offset());
		}
		catch (DriverException | BulkheadFullException ex) {
			return false;
		}
	}

	private String validUserId(String field, String userId) {
		if (userId == null || userId.isBlank()) {
			throw new InvalidFieldException(field, field + " contains a blank user id");
		}
		if (userId.length() > this.limits.maxUserIdLength() || !USER_ID.matcher(userId).matches()) {
			throw new InvalidFieldException(field, field + " contains an invalid user id '" + abbreviate(userId)
					+ "' (letters, digits, '.', '_', '@', '-'; at most " + this.limits.maxUserIdLength() + ")");
		}
		return userId;
	}

	private static String abbreviate(String value) {
		return (value.length() <= 40) ? value : value.substring(0, 40) + "…";
	}

	/**
	 * How far the sequencer has applied one conversation's log, read once per call and
	 * only when a change is pending (the caller's and the target's membership share it).
	 * Applied stays applied, so an earlier read can only send a call to wait for a change
	 * that already applied, which returns at once.
	 */
	private final class Progress {

		private final UUID id;

		private SequenceState state;

		Progress(UUID id) {
			this.id = id;
		}

		boolean applied(Announced change) {
			if (this.state == null) {
				this.state = ConversationService.this.store.sequenceState(this.id);
			}
			return this.state.applied(change.partition(), change.offset());
		}

		/**
		 * The sequencer's members as of its progress; read after {@link #applied}
		 * answered true, so they are stored (with the place of the last change applied).
		 */
		Set<String> members() {
			return this.state.members();
		}

	}

	/** A user's membership and the change of it still pending, if any. */
	private record Membership(boolean member, Optional<Announced> pending) {
	}

	private record OwnState(ConversationState state, Watermarks own) {
	}

	/** One member's watermarks, as {@code GET .../receipts} lists them. */
	public record MemberReceipts(String userId, long deliveredSeq, long readSeq) {
	}

	/** A created (or, for a direct pair, found) conversation. */
	public record Created(Conversation conversation, boolean isNew) {
	}

}
