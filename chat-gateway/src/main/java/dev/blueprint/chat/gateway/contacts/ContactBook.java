package dev.blueprint.chat.gateway.contacts;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.blueprint.chat.gateway.session.ClosedSessions;
import dev.blueprint.chat.gateway.stomp.ChatUser;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.event.EventListener;
import org.springframework.core.task.TaskExecutor;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.socket.messaging.SessionConnectedEvent;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/**
 * The conversations (and so the contacts) of the users connected to this gateway, read
 * from chat-message-service ({@code GET /api/v1/conversations?view=members}: ids and
 * members only, two Cassandra reads a conversation instead of four) with each user's own
 * token: when the user's first session here connects, again when a delivery names a
 * conversation the gateway does not know for the user, and about every
 * {@code gateway.contacts.refresh}, each user at its own time. Used to fan presence
 * changes out to the users who share a conversation with the changing user, and to check
 * typing members.
 * <p>
 * Kept only while the user has a session here. A user's token can expire while the
 * session stays open: the last conversations read are kept until the user reconnects.
 */
public class ContactBook {

	private static final Logger logger = LoggerFactory.getLogger(ContactBook.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RestClient rest;

	private final TaskExecutor fetches;

	private final ClosedSessions closedSessions;

	private final Clock clock;

	private final Duration refresh;

	private final Duration minRefreshInterval;

	/** When a user whose read failed is read again by {@link #refreshDue()}. */
	private final Duration failedRetry;

	static final Duration FAILED_RETRY = Duration.ofSeconds(30);

	private final Map<String, Entry> users = new ConcurrentHashMap<>();

	private final Map<String, String> sessions = new ConcurrentHashMap<>();

	/** contact → the local users who share a conversation with it. */
	private final Map<String, Set<String>> watchers = new ConcurrentHashMap<>();

	private final Counter fetched;

	private final Counter failed;

	private final Counter rejected;

	private final ContactsListener listener;

	public ContactBook(URI chatMessageService, Duration timeout, Duration refresh, Duration minRefreshInterval,
			TaskExecutor fetches, ClosedSessions closedSessions, Clock clock, MeterRegistry meters) {
		this(chatMessageService, timeout, refresh, minRefreshInterval, fetches, closedSessions, clock, meters,
				ContactsListener.NONE);
	}

	/**
	 * @param listener told, after the index has them, of the contacts of a user's first
	 * read and of those a later read found that the user did not have: pushes of their
	 * changes reach the user only from then on, so a change just before was missed
	 */
	public ContactBook(URI chatMessageService, Duration timeout, Duration refresh, Duration minRefreshInterval,
			TaskExecutor fetches, ClosedSessions closedSessions, Clock clock, MeterRegistry meters,
			ContactsListener listener) {
		this.listener = listener;
		this.closedSessions = closedSessions;
		HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
		JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(http);
		requests.setReadTimeout(timeout);
		this.rest = RestClient.builder().baseUrl(chatMessageService.toString()).requestFactory(requests).build();
		this.fetches = fetches;
		this.clock = clock;
		this.refresh = refresh;
		this.minRefreshInterval = minRefreshInterval;
		Duration retry = (minRefreshInterval.compareTo(FAILED_RETRY) > 0) ? minRefreshInterval : FAILED_RETRY;
		this.failedRetry = (retry.compareTo(refresh) < 0) ? retry : refresh;
		this.fetched = Counter.builder("blueprint.chat.gateway.contacts.reads")
			.description("Reads of a user's conversations from chat-message-service, by outcome")
			.tag("outcome", "ok")
			.register(meters);
		this.failed = Counter.builder("blueprint.chat.gateway.contacts.reads")
			.description("Reads of a user's conversations from chat-message-service, by outcome")
			.tag("outcome", "failed")
			.register(meters);
		this.rejected = Counter.builder("blueprint.chat.gateway.contacts.reads")
			.description("Reads of a user's conversations from chat-message-service, by outcome")
			.tag("outcome", "rejected")
			.register(meters);
	}

	@EventListener
	public void connected(SessionConnectedEvent event) {
		String sessionId = StompHeaderAccessor.wrap(event.getMessage()).getSessionId();
		if (!(event.getUser() instanceof ChatUser user) || sessionId == null) {
			return;
		}
		boolean[] counted = new boolean[1];
		// Kept and counted under the user's lock, as forget drops and uncounts: a
		// disconnect cannot come between the two (it left the count at one for good).
		this.users.compute(user.getName(), (name, entry) -> {
			if (this.closedSessions.isClosed(sessionId) || this.sessions.putIfAbsent(sessionId, name) != null) {
				return entry;
			}
			Entry counting = (entry != null) ? entry : new Entry();
			counting.sessions++;
			counting.token = user.token();
			counted[0] = true;
			return counting;
		});
		if (counted[0]) {
			refreshLater(user.getName(), true);
		}
	}

	/**
	 * Forgets the session, and the user with its last session here: the user's session
	 * count, not a scan of every session (a mass disconnect of n sessions was n²
	 * comparisons). Under the user's lock, like {@link #connected}; the session is closed
	 * in {@link ClosedSessions} before this runs, so a connected event that takes the
	 * lock after it keeps nothing.
	 */
	@EventListener
	public void disconnected(SessionDisconnectEvent event) {
		String sessionId = event.getSessionId();
		String user = (event.getUser() != null) ? event.getUser().getName() : this.sessions.get(sessionId);
		if (user == null) {
			return;
		}
		Entry[] gone = new Entry[1];
		this.users.computeIfPresent(user, (name, entry) -> {
			if (!this.sessions.remove(sessionId, name) || --entry.sessions > 0) {
				return entry;
			}
			gone[0] = entry;
			return null;
		});
		if (gone[0] != null) {
			index(user, gone[0].contacts(), Set.of());
		}
	}

	/** The local users who share a conversation with {@code userId}. */
	public Set<String> watchersOf(String userId) {
		return this.watchers.getOrDefault(userId, Set.of());
	}

	/**
	 * The members of a conversation of a connected user; if the gateway does not know the
	 * conversation for the user, it reads the user's conversations first (at most once
	 * per {@code gateway.contacts.min-refresh-interval}).
	 * @return the members, or {@code null} when the user is not a member
	 * @throws ContactsUnavailableException when they could not be read
	 */
	public Set<String> membersOf(Principal user, UUID conversationId) {
		Entry entry = this.users.get(user.getName());
		if (entry == null && user instanceof ChatUser chatUser) {
			entry = this.users.computeIfAbsent(user.getName(), (name) -> new Entry());
			entry.token = chatUser.token();
		}
		if (entry == null) {
			return null;
		}
		Set<String> members = entry.conversations.get(conversationId);
		if (members == null) {
			if (entry.mayRefresh(this.clock.instant(), this.minRefreshInterval)) {
				if (!refresh(user.getName(), entry)) {
					throw new ContactsUnavailableException();
				}
				members = entry.conversations.get(conversationId);
			}
			else if (entry.failed) {
				// The last read failed a moment ago: no new read on this inbound thread
				// before the interval (until 2026-12-06 every frame of such a user
				// waited on one). A first read still running is no failure.
				throw new ContactsUnavailableException();
			}
		}
		return members;
	}

	/**
	 * A delivery for {@code user} in {@code conversationId}: a conversation the gateway
	 * does not know for the user (created after the user connected) is read in the
	 * background.
	 */
	public void seen(String user, UUID conversationId) {
		Entry entry = this.users.get(user);
		if (entry != null && !entry.conversations.containsKey(conversationId) && !refreshLater(user, false)
				&& !entry.queued.get()) {
			// read sooner than the minimum interval allows: read once it has passed
			// ({@link #refreshDue}), not at the next periodic read. Until 2026-12-07 it
			// waited for that (5 min), and meanwhile the user got no presence pushes of
			// the conversation's members.
			entry.wanted = true;
		}
	}

	/**
	 * Once a second, queues a read for the users whose conversations were read
	 * {@code gateway.contacts.refresh} ago or longer: each user about every
	 * {@code refresh}, at its own time. At most twice the even share a second
	 * ({@code users ÷ refresh seconds × 2}), so the users of a reconnect storm, all due
	 * together, are spread out too. (Re-reading every user at once every five minutes was
	 * one burst of a read per connected user on chat-message-service and Cassandra.)
	 */
	@Scheduled(fixedDelay = 1000, initialDelay = 1000)
	public void refreshDue() {
		Instant now = this.clock.instant();
		long seconds = Math.max(1, this.refresh.toSeconds());
		long budget = Math.max(1, (2 * this.users.size() + seconds - 1) / seconds);
		for (Map.Entry<String, Entry> user : this.users.entrySet()) {
			Entry entry = user.getValue();
			if (entry.wanted && entry.mayRefresh(now, this.minRefreshInterval)) {
				// cleared when the read starts ({@link #refresh}), not here: a delivery
				// between the read's start and now must leave it set
				refreshLater(user.getKey(), false);
				continue;
			}
			if (budget == 0) {
				continue;
			}
			Instant refreshedAt = user.getValue().refreshedAt;
			// a user whose last read failed is read again after 30 s, not after the whole
			// refresh period (5 min without contacts, so without presence pushes)
			Duration due = user.getValue().failed ? this.failedRetry : this.refresh;
			if (refreshedAt != null && !now.isBefore(refreshedAt.plus(due)) && !forgetWithoutSession(user.getKey())
					&& refreshLater(user.getKey(), true)) {
				budget--;
			}
		}
	}

	/**
	 * Forgets a user who has no session here, when a read comes due: an entry made by a
	 * frame handled after the user's last disconnect ({@link #membersOf}) would otherwise
	 * stay, and be read again every {@code refresh} with a token that expires.
	 * @return whether the user was forgotten
	 */
	private boolean forgetWithoutSession(String user) {
		Entry[] gone = new Entry[1];
		this.users.computeIfPresent(user, (name, entry) -> {
			if (entry.sessions > 0) {
				return entry;
			}
			gone[0] = entry;
			return null;
		});
		if (gone[0] == null) {
			return false;
		}
		index(user, gone[0].contacts(), Set.of());
		return true;
	}

	/**
	 * Queues a read of the user's conversations unless one is already waiting: at most
	 * one per user, however many deliveries name a conversation the gateway does not know
	 * yet (a read that waits reads the newest conversations anyway). A read the full
	 * queue refuses counts as an attempt, so the next one comes after the minimum
	 * interval.
	 */
	private boolean refreshLater(String user, boolean force) {
		Entry entry = this.users.get(user);
		Instant now = this.clock.instant();
		if (entry == null || (!force && !entry.mayRefresh(now, this.minRefreshInterval))
				|| !entry.queued.compareAndSet(false, true)) {
			return false;
		}
		try {
			this.fetches.execute(() -> {
				entry.queued.set(false);
				refresh(user, entry);
			});
			return true;
		}
		catch (RejectedExecutionException ex) {
			entry.queued.set(false);
			// read once the minimum interval has passed
			entry.wanted = true;
			entry.refreshedAt = now;
			this.rejected.increment();
			logger.warn("Contacts of {} not refreshed: the fetch queue is full", user);
			return false;
		}
	}

	private boolean refresh(String user, Entry entry) {
		// this read finds every conversation made before it starts
		entry.wanted = false;
		entry.refreshedAt = this.clock.instant();
		String body;
		try {
			body = this.rest.get()
				.uri("/api/v1/conversations?view=members")
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + entry.token)
				.retrieve()
				.body(String.class);
		}
		catch (RestClientException ex) {
			this.failed.increment();
			entry.failed = true;
			logger.warn("Could not read the conversations of {}: {}", user, ex.toString());
			return false;
		}
		Map<UUID, Set<String>> conversations = new HashMap<>();
		try {
			for (JsonNode conversation : JSON.readTree((body != null) ? body : "[]")) {
				Set<String> members = new HashSet<>();
				conversation.path("members").forEach((member) -> members.add(member.asString()));
				conversations.put(UUID.fromString(conversation.path("id").asString()), Set.copyOf(members));
			}
		}
		catch (JacksonException | IllegalArgumentException ex) {
			this.failed.increment();
			entry.failed = true;
			logger.warn("Unreadable conversations of {}: {}", user, ex.toString());
			return false;
		}
		Set<String> added = new HashSet<>();
		Set<String> loaded = null;
		long indexedAt = 0;
		synchronized (this) {
			Set<String> before = entry.contacts();
			boolean first = !entry.loaded;
			entry.conversations = conversations;
			entry.loaded = true;
			entry.failed = false;
			if (this.users.get(user) == entry) {
				Set<String> after = entry.contacts();
				index(user, before, after);
				// taken after the index has the contacts: a change received from now on
				// finds the user among their watchers
				indexedAt = System.nanoTime();
				if (first) {
					loaded = new HashSet<>(after);
					loaded.remove(user);
				}
				else {
					added.addAll(after);
					added.removeAll(before);
					added.remove(user);
				}
			}
		}
		// counted once the index has the contacts: a test that waits for the count may
		// rely on pushes from then on
		this.fetched.increment();
		try {
			if (loaded != null) {
				this.listener.loaded(user, Set.copyOf(loaded), entry.connectedAt, indexedAt);
			}
			else if (!added.isEmpty()) {
				this.listener.added(user, Set.copyOf(added));
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not tell {} of new contacts: {}", user, ex.toString());
		}
		return true;
	}

	private synchronized void index(String user, Set<String> before, Set<String> after) {
		for (String contact : before) {
			if (!after.contains(contact)) {
				this.watchers.computeIfPresent(contact, (key, local) -> {
					local.remove(user);
					return local.isEmpty() ? null : local;
				});
			}
		}
		for (String contact : after) {
			this.watchers.computeIfAbsent(contact, (key) -> ConcurrentHashMap.newKeySet()).add(user);
		}
	}

	/** Users with their conversations held here. */
	public int size() {
		return this.users.size();
	}

	private static final class Entry {

		/** The user's sessions here; changed only inside {@code users.compute}. */
		private int sessions;

		/**
		 * When the entry was made ({@link System#nanoTime()}): the user's first session
		 * here connected (or a frame came after their last one had gone).
		 */
		private final long connectedAt = System.nanoTime();

		private volatile String token;

		private volatile Map<UUID, Set<String>> conversations = Map.of();

		private volatile Instant refreshedAt;

		/**
		 * Whether a delivery named a conversation the gateway does not know for the user,
		 * too soon after the last read to read again: read once the minimum interval has
		 * passed.
		 */
		private volatile boolean wanted;

		/** Whether a read of this user's conversations waits in the fetch queue. */
		private final AtomicBoolean queued = new AtomicBoolean();

		/** Whether a read succeeded (until then a typing check waits for one). */
		private volatile boolean loaded;

		/** Whether the last read failed (not merely: none has finished yet). */
		private volatile boolean failed;

		/** Every member of every conversation, the user included. */
		Set<String> contacts() {
			Set<String> contacts = new HashSet<>();
			this.conversations.values().forEach(contacts::addAll);
			return contacts;
		}

		boolean mayRefresh(Instant now, Duration interval) {
			return this.refreshedAt == null || !now.isBefore(this.refreshedAt.plus(interval));
		}

	}

	/** chat-message-service could not list the user's conversations. */
	public static class ContactsUnavailableException extends RuntimeException {

		public ContactsUnavailableException() {
			super("The user's conversations could not be read from chat-message-service");
		}

	}

}
