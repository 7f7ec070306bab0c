package dev.blueprint.presence.contacts;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
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

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RestClient rest;

	private final Duration ttl;

	private final int maxCachedUsers;

	private final Clock clock;

	private final Map<String, Cached> cache;

	public ContactDirectory(URI chatMessageService, Duration timeout, Duration ttl, int maxCachedUsers, Clock clock) {
		HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
		JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(http);
		requests.setReadTimeout(timeout);
		this.rest = RestClient.builder().baseUrl(chatMessageService.toString()).requestFactory(requests).build();
		this.ttl = ttl;
		this.maxCachedUsers = maxCachedUsers;
		this.clock = clock;
		this.cache = new LinkedHashMap<>(16, 0.75f, true);
	}

	/**
	 * The caller's contacts (the caller excluded).
	 * @param caller the caller's user id
	 * @param token the caller's bearer token
	 * @throws ContactsUnavailableException when chat-message-service cannot answer
	 */
	public Set<String> of(String caller, String token) {
		Instant now = this.clock.instant();
		synchronized (this.cache) {
			Cached cached = this.cache.get(caller);
			if (cached != null && now.isBefore(cached.until())) {
				return cached.contacts();
			}
		}
		Set<String> contacts = fetch(caller, token);
		synchronized (this.cache) {
			this.cache.put(caller, new Cached(contacts, now.plus(this.ttl)));
			while (this.cache.size() > this.maxCachedUsers) {
				this.cache.remove(this.cache.keySet().iterator().next());
			}
		}
		return contacts;
	}

	private Set<String> fetch(String caller, String token) {
		String body;
		try {
			body = this.rest.get()
				.uri("/api/v1/conversations?view=members")
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
				.retrieve()
				.body(String.class);
		}
		catch (RestClientException ex) {
			throw new ContactsUnavailableException("chat-message-service did not list the conversations: " + ex);
		}
		Set<String> contacts = new LinkedHashSet<>();
		JsonNode conversations;
		try {
			conversations = JSON.readTree((body != null) ? body : "[]");
		}
		catch (JacksonException ex) {
			throw new ContactsUnavailableException("chat-message-service answered with something other than JSON");
		}
		for (JsonNode conversation : conversations) {
			for (JsonNode member : conversation.path("members")) {
				contacts.add(member.asString());
			}
		}
		contacts.remove(caller);
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

}
