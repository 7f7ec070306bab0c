package dev.blueprint.presence.contacts;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * A caller's contacts: the members of the caller's conversations, which
 * chat-message-service owns. Read with {@code GET /api/v1/conversations?view=members}
 * (ids and members only) using the caller's own bearer token (so no service credential is
 * needed and chat-message-service applies its own authorization), and cached per caller
 * for a while.
 */
public class ContactDirectory {

	private static final Logger logger = LoggerFactory.getLogger(ContactDirectory.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RestClient rest;

	private final Duration ttl;

	private final Limits limits;

	private final Clock clock;

	private final Counter truncated;

	/** Guarded by itself; {@link #cachedContacts} with it. */
	private final Map<String, Cached> cache;

	private long cachedContacts;

	/** The read running for each caller: concurrent misses of one caller share it. */
	private final ConcurrentHashMap<String, CompletableFuture<Set<String>>> reads = new ConcurrentHashMap<>();

	/**
	 * How much is read and kept.
	 *
	 * @param maxCachedUsers most callers whose contacts are cached
	 * @param maxContacts most contacts taken from one caller's listing: the rest of it is
	 * not read, and those users count as no contact of the caller
	 * @param maxCachedContacts most contacts in the cache, all callers together
	 */
	public record Limits(int maxCachedUsers, int maxContacts, long maxCachedContacts) {
	}

	public ContactDirectory(URI chatMessageService, Duration timeout, Duration ttl, Limits limits, Clock clock,
			MeterRegistry meters) {
		HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
		JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(http);
		requests.setReadTimeout(timeout);
		this.rest = RestClient.builder().baseUrl(chatMessageService.toString()).requestFactory(requests).build();
		this.ttl = ttl;
		this.limits = limits;
		this.clock = clock;
		this.cache = new LinkedHashMap<>(16, 0.75f, true);
		this.truncated = Counter.builder("blueprint.chat.presence.contacts.truncated")
			.description("Contacts reads that stopped at presence.contacts.max-contacts (the caller's conversations "
					+ "have more members; the rest count as no contacts)")
			.register(meters);
	}

	/**
	 * The caller's contacts (the caller excluded).
	 * @param caller the caller's user id
	 * @param token the caller's bearer token
	 * @throws ContactsUnavailableException when chat-message-service cannot answer
	 * @throws ContactsRefusedException when chat-message-service refuses the read
	 */
	public Set<String> of(String caller, String token) {
		Instant now = this.clock.instant();
		synchronized (this.cache) {
			Cached cached = this.cache.get(caller);
			if (cached != null && now.isBefore(cached.until())) {
				return cached.contacts();
			}
		}
		CompletableFuture<Set<String>> mine = new CompletableFuture<>();
		CompletableFuture<Set<String>> running = this.reads.putIfAbsent(caller, mine);
		if (running != null) {
			return await(running);
		}
		try {
			Set<String> contacts = fetch(caller, token);
			cache(caller, new Cached(contacts, now.plus(this.ttl)));
			mine.complete(contacts);
			return contacts;
		}
		catch (RuntimeException | Error ex) {
			// an Error too: callers waiting on the read must not wait forever
			mine.completeExceptionally(ex);
			throw ex;
		}
		finally {
			this.reads.remove(caller, mine);
		}
	}

	private static Set<String> await(CompletableFuture<Set<String>> read) {
		try {
			return read.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException cause) {
				throw cause;
			}
			throw new ContactsUnavailableException("the caller's contacts read failed: " + ex.getCause());
		}
	}

	private void cache(String caller, Cached entry) {
		synchronized (this.cache) {
			Cached replaced = this.cache.put(caller, entry);
			this.cachedContacts += entry.contacts().size() - ((replaced != null) ? replaced.contacts().size() : 0);
			while (this.cache.size() > this.limits.maxCachedUsers()
					|| this.cachedContacts > this.limits.maxCachedContacts()) {
				Map.Entry<String, Cached> eldest = this.cache.entrySet().iterator().next();
				this.cachedContacts -= eldest.getValue().contacts().size();
				this.cache.remove(eldest.getKey());
			}
		}
	}

	private Set<String> fetch(String caller, String token) {
		try {
			Set<String> contacts = this.rest.get()
				.uri("/api/v1/conversations?view=members")
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
				.exchange((request, response) -> {
					int status = response.getStatusCode().value();
					if (refused(status)) {
						throw new ContactsRefusedException(status);
					}
					if (!response.getStatusCode().is2xxSuccessful()) {
						throw new ContactsUnavailableException("chat-message-service answered " + status);
					}
					return read(caller, response.getBody());
				});
			return (contacts != null) ? contacts : Set.of();
		}
		catch (RestClientException ex) {
			throw new ContactsUnavailableException("chat-message-service did not list the conversations: " + ex);
		}
	}

	/**
	 * Whether chat-message-service's answer refuses this request, so the same one fails
	 * again: a 4xx (401 or 403 for a token it does not accept, another issuer or expired
	 * between the two checks; 400 for a parameter it does not know), but not 408 or 429,
	 * which ask for the request to be repeated.
	 */
	private static boolean refused(int status) {
		return status >= 400 && status < 500 && status != 408 && status != 429;
	}

	/**
	 * The members of a listing ({@code [{"id": ..., "members": [...]}, ...]}), read as
	 * they arrive: neither the body nor a tree of it is held, and the read stops at
	 * {@code maxContacts} (a user in many large groups lists up to a million members).
	 */
	private Set<String> read(String caller, InputStream body) {
		Set<String> contacts = new LinkedHashSet<>();
		try (JsonParser json = JSON.createParser(body)) {
			JsonToken first = json.nextToken();
			if (first == null) {
				// an empty body: no conversations
				return Set.of();
			}
			if (first != JsonToken.START_ARRAY) {
				throw new ContactsUnavailableException(
						"chat-message-service answered with something other than a list");
			}
			conversations: for (JsonToken item = json.nextToken(); item != JsonToken.END_ARRAY; item = json
				.nextToken()) {
				if (item == null) {
					throw new ContactsUnavailableException("chat-message-service's list ended early");
				}
				if (item != JsonToken.START_OBJECT) {
					// not a conversation: skipped, as the tree reading did
					json.skipChildren();
					continue;
				}
				while (json.nextToken() == JsonToken.PROPERTY_NAME) {
					String property = json.currentName();
					JsonToken value = json.nextToken();
					if (!"members".equals(property) || value != JsonToken.START_ARRAY) {
						json.skipChildren();
						continue;
					}
					while (json.nextToken() != JsonToken.END_ARRAY) {
						String member = (json.currentToken() == JsonToken.VALUE_STRING) ? json.getString() : null;
						if (member != null && !caller.equals(member) && !contacts.contains(member)) {
							if (contacts.size() >= this.limits.maxContacts()) {
								// one more than fits: the rest of the listing is not read
								this.truncated.increment();
								logger.warn(
										"Contacts of {} stop at {} (presence.contacts.max-contacts): the members "
												+ "of their further conversations count as no contacts",
										caller, this.limits.maxContacts());
								break conversations;
							}
							contacts.add(member);
						}
						else if (member == null) {
							json.skipChildren();
						}
					}
				}
			}
		}
		catch (JacksonException ex) {
			throw new ContactsUnavailableException("chat-message-service answered with something other than JSON");
		}
		return Set.copyOf(contacts);
	}

	private record Cached(Set<String> contacts, Instant until) {
	}

	/**
	 * chat-message-service is unreachable or failed: the caller's contacts are unknown.
	 */
	public static class ContactsUnavailableException extends RuntimeException {

		public ContactsUnavailableException(String message) {
			super(message);
		}

	}

	/**
	 * chat-message-service refused to list the caller's conversations (a 4xx): the
	 * caller's contacts are unknown, and repeating the request would be refused again.
	 */
	public static class ContactsRefusedException extends RuntimeException {

		private final int status;

		public ContactsRefusedException(int status) {
			super("chat-message-service answered " + status + " to the listing of the caller's conversations");
			this.status = status;
		}

		/** chat-message-service's status. */
		public int status() {
			return this.status;
		}

	}

}
