package dev.blueprint.presence.api;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.DoublePredicate;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import dev.blueprint.presence.support.PresenceIntegrationTest;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The presence REST API: reads within the contacts policy, the bulk query's bounds, the
 * user's own choice (away, invisible), a stored presence that does not parse, and every
 * error as problem+json.
 */
@ExtendWith(OutputCaptureExtension.class)
class PresenceApiIntegrationTests extends PresenceIntegrationTest {

	private static final Duration WAIT = Duration.ofSeconds(3);

	private static final String UNREADABLE_READS = "blueprint_chat_presence_unreadable_total";

	/** A last seen as an older schema might have stored it: not epoch milliseconds. */
	private static final String DATE = "2026-12-01T10:15:30Z";

	/**
	 * Each way a stored presence does not parse (what a sweep skips), with the version
	 * the user's own choice stores over it. A key of another type (WRONGTYPE) failed the
	 * whole pipeline it was read in: a query of it was a 503, and its user's choice too.
	 */
	private static final List<Unreadable> UNREADABLE = List.of(
			Unreadable.hash("unknown choice", Map.of("choice", "busy", "status", "offline", "version", "3"), "4"),
			Unreadable.hash("unknown status", Map.of("choice", "online", "status", "dnd", "version", "3"), "4"),
			Unreadable.hash("last seen a date",
					Map.of("choice", "online", "status", "offline", "lastSeen", DATE, "version", "3"), "4"),
			Unreadable.hash("lease end a date",
					Map.of("choice", "online", "status", "online", "leaseEnd", DATE, "version", "3"), "4"),
			Unreadable.hash("version no number", Map.of("choice", "online", "status", "offline", "version", "v3"), "1"),
			new Unreadable("a string at the key", (redis, key) -> redis.opsForValue().set(key, "online"), "1"));

	private static final String ONLINE_CHANGES = "blueprint_chat_presence_changes_total{status=\"online\"}";

	private static final String AWAY_CHANGES = "blueprint_chat_presence_changes_total{status=\"away\"}";

	private static final String OFFLINE_CHANGES = "blueprint_chat_presence_changes_total{status=\"offline\"}";

	private static final String ONLINE_USERS = "blueprint_chat_presence_online";

	private static <T> T json(HttpResponse<String> response, String path) {
		return JsonPath.read(response.body(), path);
	}

	private static void assertProblem(HttpResponse<String> response, int status) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat((Integer) json(response, "$.status")).isEqualTo(status);
	}

	@Test
	void aContactsPresenceIsReadableOneByOneAndInBulk() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		conversations.conversation(alice, bob);
		conversations.conversation(alice, carol, unique("dave"));
		Session bobsPhone = new Session(bob, "gw-a", "phone");
		try (AutoCloseable connected = heartbeat(bobsPhone)) {
			assertThat(expectChange(bob, WAIT).status()).isEqualTo("online");
			assertBobOnlineForAliceAndCarolOffline(alice, bob, carol);
		}
		gateway().remove(bobsPhone);
	}

	private void assertBobOnlineForAliceAndCarolOffline(String alice, String bob, String carol) throws Exception {

		HttpResponse<String> one = request(alice, "GET", "/api/v1/presence/" + bob, null);
		assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
		assertThat((String) json(one, "$.userId")).isEqualTo(bob);
		assertThat((String) json(one, "$.status")).isEqualTo("online");
		assertThat((String) json(one, "$.lastSeen")).isNotBlank();

		HttpResponse<String> bulk = request(alice, "POST", "/api/v1/presence/query",
				"{\"userIds\":[\"" + carol + "\",\"" + bob + "\",\"" + alice + "\"]}");
		assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(200);
		assertThat((List<String>) json(bulk, "$[*].userId")).containsExactly(carol, bob, alice);
		assertThat((List<String>) json(bulk, "$[*].status")).containsExactly("offline", "online", "offline");
		assertThat((Object) json(bulk, "$[0].lastSeen")).isNull();
	}

	@Test
	void presenceOfUsersWithoutASharedConversationIsRefused() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String mallory = unique("mallory");
		conversations.conversation(alice, bob);
		HttpResponse<String> one = request(mallory, "GET", "/api/v1/presence/" + alice, null);
		assertProblem(one, 403);
		assertThat((List<String>) json(one, "$.userIds")).containsExactly(alice);
		HttpResponse<String> bulk = request(alice, "POST", "/api/v1/presence/query",
				"{\"userIds\":[\"" + bob + "\",\"" + mallory + "\"]}");
		assertProblem(bulk, 403);
		assertThat((List<String>) json(bulk, "$.userIds")).containsExactly(mallory);
		// Anyone may read their own presence without asking for contacts.
		assertThat(request(mallory, "GET", "/api/v1/presence/" + mallory, null).statusCode()).isEqualTo(200);
	}

	@Test
	void badQueriesAreRefusedWithTheFieldNamed() throws Exception {
		String alice = unique("alice");
		HttpResponse<String> badId = request(alice, "GET", "/api/v1/presence/bad%20id", null);
		assertProblem(badId, 400);
		assertThat((String) json(badId, "$.field")).isEqualTo("userId");

		HttpResponse<String> empty = request(alice, "POST", "/api/v1/presence/query", "{\"userIds\":[]}");
		assertProblem(empty, 400);
		assertThat((String) json(empty, "$.field")).isEqualTo("userIds");
		assertProblem(request(alice, "POST", "/api/v1/presence/query", "{}"), 400);

		// presence.max-query-users is 3 here: three pass the bound, four do not.
		String atLimit = "{\"userIds\":[\"" + alice + "\",\"" + alice + "\",\"" + alice + "\"]}";
		assertThat(request(alice, "POST", "/api/v1/presence/query", atLimit).statusCode()).isEqualTo(200);
		HttpResponse<String> overLimit = request(alice, "POST", "/api/v1/presence/query",
				"{\"userIds\":[\"a\",\"b\",\"c\",\"d\"]}");
		assertProblem(overLimit, 400);
		assertThat((String) json(overLimit, "$.detail")).contains("at most 3");

		HttpResponse<String> invalidInBulk = request(alice, "POST", "/api/v1/presence/query",
				"{\"userIds\":[\"ok\",\"not ok\"]}");
		assertProblem(invalidInBulk, 400);
		assertThat((String) json(invalidInBulk, "$.field")).isEqualTo("userIds");

		assertProblem(request(alice, "POST", "/api/v1/presence/query", "{not json"), 400);
		// a field the API does not have is named, not ignored
		HttpResponse<String> misspelt = request(alice, "POST", "/api/v1/presence/query",
				"{\"userIDs\":[\"" + alice + "\"]}");
		assertProblem(misspelt, 400);
		assertThat((String) json(misspelt, "$.field")).isEqualTo("userIDs");
		assertThat((String) json(misspelt, "$.detail"))
			.isEqualTo("userIDs is not a field of this request (its fields: userIds)");
		HttpResponse<String> extra = request(alice, "PUT", "/api/v1/presence/me",
				"{\"status\":\"away\",\"until\":\"tomorrow\"}");
		assertProblem(extra, 400);
		assertThat((String) json(extra, "$.field")).isEqualTo("until");
		assertProblem(request(null, "GET", "/api/v1/presence/" + alice, null), 401);
	}

	@Test
	void aUserCanBeAwayOrInvisibleAndInvisibleLooksOfflineToOthers() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		conversations.conversation(alice, bob);
		Session laptop = new Session(alice, "gw-a", "laptop");
		try (AutoCloseable connected = heartbeat(laptop)) {
			assertThat(expectChange(alice, WAIT).status()).isEqualTo("online");
			awayThenInvisibleThenOnline(alice, bob);
		}
		gateway().remove(laptop);
		assertThat(expectChange(alice, WAIT).status()).isEqualTo("offline");
	}

	private void awayThenInvisibleThenOnline(String alice, String bob) throws Exception {
		HttpResponse<String> away = request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}");
		assertThat(away.statusCode()).as(away.body()).isEqualTo(200);
		assertThat((String) json(away, "$.status")).isEqualTo("away");
		assertThat(expectChange(alice, WAIT).status()).isEqualTo("away");
		assertThat((String) json(request(bob, "GET", "/api/v1/presence/" + alice, null), "$.status")).isEqualTo("away");

		HttpResponse<String> hidden = request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"invisible\"}");
		assertThat((String) json(hidden, "$.status")).isEqualTo("invisible");
		assertThat(expectChange(alice, WAIT).status()).isEqualTo("offline");
		assertThat((String) json(request(bob, "GET", "/api/v1/presence/" + alice, null), "$.status"))
			.isEqualTo("offline");
		assertThat((String) json(request(alice, "GET", "/api/v1/presence/me", null), "$.status"))
			.isEqualTo("invisible");
		// Still invisible through the evaluations at each lease end: nothing is
		// published.
		assertThat(nextChange(alice, LEASE.multipliedBy(2))).isNull();

		request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"online\"}");
		assertThat(expectChange(alice, WAIT).status()).isEqualTo("online");
	}

	/**
	 * The stored lease end is the one of the user's last evaluation: from then until the
	 * next sweep (longer after an outage or a backlog) it is past while the user's device
	 * is live. Hiding then was last seen one lease before it (here 12 s before hiding);
	 * now it is when the user hid.
	 */
	@Test
	void goingInvisibleWithALiveDeviceAfterTheStoredLeaseEndIsLastSeenWhenTheUserHid() throws Exception {
		String alice = unique("alice");
		Instant now = Instant.now();
		// As a sweep stored her before an outage: online a minute, lease ended 10 s ago.
		this.redis.opsForHash()
			.putAll(presenceKey(alice),
					Map.of("choice", "online", "status", "online", "lastSeen",
							Long.toString(now.minusSeconds(60).toEpochMilli()), "leaseEnd",
							Long.toString(now.minusSeconds(10).toEpochMilli()), "version", "1"));
		// Due after this test: no sweep evaluates her meanwhile, and the registration
		// leaves her scheduled.
		this.redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, alice, now.plusSeconds(60).toEpochMilli());
		Session laptop = new Session(alice, "gw-a", "laptop");
		try (AutoCloseable connected = heartbeat(laptop)) {
			Instant hiding = Instant.now().truncatedTo(ChronoUnit.MILLIS);
			HttpResponse<String> hidden = request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"invisible\"}");
			assertThat(hidden.statusCode()).as(hidden.body()).isEqualTo(200);
			assertThat(Instant.parse(json(hidden, "$.lastSeen"))).isBetween(hiding, Instant.now());
			PresenceChanged change = expectChange(alice, WAIT);
			assertThat(change.status()).isEqualTo("offline");
			assertThat(change.lastSeen()).isBetween(hiding, Instant.now());
		}
		gateway().remove(laptop);
		this.redis.delete(presenceKey(alice));
	}

	/**
	 * A user whose stored presence does not parse is answered as a user with none
	 * (offline, never seen), counted and logged once per read without a stack trace; the
	 * others of the query are answered as stored. It was a 500 for the whole query (a 503
	 * for a key of another type).
	 */
	@Test
	void aQueryAnswersAUserWhosePresenceDoesNotParseAsUnknownAndTheOthersAsStored(CapturedOutput output)
			throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		List<String> unreadable = new ArrayList<>();
		for (Unreadable kind : UNREADABLE) {
			String oscar = unique("oscar");
			kind.store().accept(this.redis, presenceKey(oscar));
			unreadable.add(oscar);
		}
		List<String> members = new ArrayList<>(List.of(alice, bob));
		members.addAll(unreadable);
		conversations.conversation(members.toArray(String[]::new));
		Session bobsPhone = new Session(bob, "gw-a", "phone");
		try (AutoCloseable connected = heartbeat(bobsPhone)) {
			assertThat(expectChange(bob, WAIT).status()).isEqualTo("online");
			double before = scraped(UNREADABLE_READS);
			for (int i = 0; i < UNREADABLE.size(); i++) {
				String oscar = unreadable.get(i);
				HttpResponse<String> bulk = request(alice, "POST", "/api/v1/presence/query",
						"{\"userIds\":[\"" + bob + "\",\"" + oscar + "\",\"" + alice + "\"]}");
				assertThat(bulk.statusCode()).as(UNREADABLE.get(i).what() + ": " + bulk.body()).isEqualTo(200);
				assertThat((List<String>) json(bulk, "$[*].userId")).containsExactly(bob, oscar, alice);
				assertThat((List<String>) json(bulk, "$[*].status")).containsExactly("online", "offline", "offline");
				assertThat((String) json(bulk, "$[0].lastSeen")).isNotBlank();
				assertThat((Object) json(bulk, "$[1].lastSeen")).isNull();
			}
			assertThat(scraped(UNREADABLE_READS) - before).isEqualTo(UNREADABLE.size());
		}
		gateway().remove(bobsPhone);
		for (String oscar : unreadable) {
			List<String> logged = output.getOut()
				.lines()
				.filter((line) -> line.contains(oscar) && line.contains("does not parse"))
				.toList();
			assertThat(logged).as(oscar).hasSize(1);
			assertThat(JsonPath.<String>read(logged.get(0), "$.log.level")).isEqualTo("WARN");
			assertThat(logged.get(0)).doesNotContain("stack_trace");
			this.redis.delete(presenceKey(oscar));
		}
	}

	/**
	 * A user whose stored presence does not parse reads it as unknown and replaces it by
	 * choosing, even a choice that changes nothing on an unknown presence (online, no
	 * device): it was a 500 (a 503 for a key of another type, which the choice now
	 * replaces with a hash) and the user could not recover. The replaced presence parses
	 * again (not counted when read), is at the next version, and a sweep evaluates it
	 * when a device connects.
	 */
	@Test
	void aUsersOwnChoiceReplacesAStoredPresenceThatDoesNotParse() throws Exception {
		double before = scraped(UNREADABLE_READS);
		for (Unreadable kind : UNREADABLE) {
			String oscar = unique("oscar");
			String key = presenceKey(oscar);
			kind.store().accept(this.redis, key);
			HttpResponse<String> unreadable = request(oscar, "GET", "/api/v1/presence/me", null);
			assertThat(unreadable.statusCode()).as(kind.what() + ": " + unreadable.body()).isEqualTo(200);
			assertThat((String) json(unreadable, "$.status")).isEqualTo("offline");

			HttpResponse<String> chosen = request(oscar, "PUT", "/api/v1/presence/me", "{\"status\":\"online\"}");
			assertThat(chosen.statusCode()).as(kind.what() + ": " + chosen.body()).isEqualTo(200);
			assertThat((String) json(chosen, "$.status")).isEqualTo("offline");
			assertThat(this.redis.<String, String>opsForHash().entries(key)).as(kind.what())
				.containsEntry("choice", "online")
				.containsEntry("status", "offline")
				.containsEntry("version", kind.versionAfterChoice());
			HttpResponse<String> me = request(oscar, "GET", "/api/v1/presence/me", null);
			assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
			assertThat((String) json(me, "$.status")).isEqualTo("offline");

			Session phone = new Session(oscar, "gw-a", "phone");
			try (AutoCloseable connected = heartbeat(phone)) {
				assertThat(expectChange(oscar, WAIT).status()).as(kind.what()).isEqualTo("online");
			}
			gateway().remove(phone);
			assertThat(expectChange(oscar, WAIT).status()).isEqualTo("offline");
			this.redis.delete(key);
		}
		// GET /me and the choice each read one that did not parse; nothing after.
		assertThat(scraped(UNREADABLE_READS) - before).isEqualTo(2 * UNREADABLE.size());
	}

	/**
	 * The version's next value must still print as a whole number in Lua (1e14 would be
	 * written as "1e+14", which no read parses): at the limit it starts again at 1.
	 */
	@Test
	void aVersionAtItsLimitStartsAgainAtOne() throws Exception {
		String oscar = unique("oscar");
		String key = presenceKey(oscar);
		this.redis.opsForHash()
			.putAll(key, Map.of("choice", "online", "status", "offline", "version", "99999999999998"));
		assertThat(request(oscar, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}").statusCode()).isEqualTo(200);
		assertThat(this.redis.<String, String>opsForHash().get(key, "version")).isEqualTo("99999999999999");
		assertThat(request(oscar, "PUT", "/api/v1/presence/me", "{\"status\":\"online\"}").statusCode()).isEqualTo(200);
		assertThat(this.redis.<String, String>opsForHash().get(key, "version")).isEqualTo("1");
		HttpResponse<String> me = request(oscar, "GET", "/api/v1/presence/me", null);
		assertThat(me.statusCode()).isEqualTo(200);
		this.redis.delete(key);
	}

	private static String presenceKey(String user) {
		return "chat:presence:{" + user + "}";
	}

	/**
	 * A stored presence that does not parse.
	 *
	 * @param what what is wrong with it
	 * @param store stores it at a key
	 * @param versionAfterChoice the version the user's own choice stores over it
	 */
	private record Unreadable(String what, BiConsumer<StringRedisTemplate, String> store, String versionAfterChoice) {

		static Unreadable hash(String what, Map<String, String> hash, String versionAfterChoice) {
			return new Unreadable(what, (redis, key) -> redis.opsForHash().putAll(key, hash), versionAfterChoice);
		}

	}

	@Test
	void anInvalidStatusIsRefused() throws Exception {
		for (String body : List.of("{\"status\":\"offline\"}", "{\"status\":\"busy\"}", "{}", "{\"status\":7}")) {
			// one user per attempt: each attempt counts against presence-update's burst
			HttpResponse<String> response = request(unique("alice"), "PUT", "/api/v1/presence/me", body);
			assertProblem(response, 400);
			assertThat((String) json(response, "$.field")).as(body).isEqualTo("status");
		}
	}

	@Test
	void contactsAreCachedAndAnUnreachableChatMessageServiceIsA503() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		conversations.conversation(alice, bob);
		int before = conversations.calls();
		for (int i = 0; i < 3; i++) {
			assertThat(request(alice, "GET", "/api/v1/presence/" + bob, null).statusCode()).isEqualTo(200);
		}
		assertThat(conversations.calls() - before).isEqualTo(1);

		String zoe = unique("zoe");
		conversations.fail(zoe);
		HttpResponse<String> unavailable = request(zoe, "GET", "/api/v1/presence/" + alice, null);
		assertProblem(unavailable, 503);
		assertThat(unavailable.headers().firstValue("Retry-After")).hasValue("5");
	}

	/**
	 * chat-message-service refusing the contacts read (here a 401: a token of an issuer
	 * it does not accept, or one that expired between its check and this service's)
	 * refuses the same request again: a 502 without {@code Retry-After}, logged with the
	 * status. It was a 503 with {@code Retry-After: 5}, which a client retried forever.
	 */
	@Test
	void aContactsReadThatChatMessageServiceRefusesIsA502WithoutRetryAfter(CapturedOutput output) throws Exception {
		String alice = unique("alice");
		String zoe = unique("zoe");
		conversations.conversation(alice, zoe);
		conversations.answer(zoe, 401);
		for (HttpResponse<String> refused : List.of(request(zoe, "GET", "/api/v1/presence/" + alice, null),
				request(zoe, "POST", "/api/v1/presence/query", "{\"userIds\":[\"" + alice + "\"]}"))) {
			assertProblem(refused, 502);
			assertThat((String) json(refused, "$.title")).isEqualTo("Contacts unavailable");
			assertThat((String) json(refused, "$.detail")).contains("answered 401");
			assertThat(refused.headers().firstValue("Retry-After")).isEmpty();
		}
		assertThat(output.getOut()).contains("Contacts refused: chat-message-service answered 401");
		// Her own presence needs no contacts.
		assertThat(request(zoe, "GET", "/api/v1/presence/" + zoe, null).statusCode()).isEqualTo(200);
	}

	@Test
	void aTokenWithoutASubjectIsA401AndOneWhoseSubjectIsNoUserIdA403() throws Exception {
		for (String subject : java.util.Arrays.asList(null, "not a user", "auth0|123")) {
			String bearer = "Bearer " + TestTokens.withSubject(subject);
			for (HttpResponse<String> response : List.of(requestAuthorized(bearer, "GET", "/api/v1/presence/me", null),
					requestAuthorized(bearer, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}"),
					requestAuthorized(bearer, "GET", "/api/v1/presence/alice", null),
					requestAuthorized(bearer, "POST", "/api/v1/presence/query", "{\"userIds\":[\"alice\"]}"))) {
				if (subject == null) {
					assertProblem(response, 401);
					assertThat(response.headers().firstValue("WWW-Authenticate"))
						.hasValueSatisfying((value) -> assertThat(value).contains("invalid_token"));
				}
				else {
					assertProblem(response, 403);
					assertThat(JsonPath.<String>read(response.body(), "$.detail")).contains(subject);
				}
			}
		}
	}

	/**
	 * The counters move with the changes they count, and the gauge by one for a user who
	 * connects and back for one who leaves (checking only that the names are scraped
	 * passed with counters that never moved: they are registered at start-up; checking
	 * the gauge at least 1, a global value, passed whatever it counted).
	 */
	@Test
	void metricsCountChangesByStatusAndOnlineUsers() throws Exception {
		double users = onlineUsersOnceSettled();
		double online = scraped(ONLINE_CHANGES);
		double away = scraped(AWAY_CHANGES);
		double offline = scraped(OFFLINE_CHANGES);
		String alice = unique("alice");
		Session laptop = new Session(alice, "gw-a", "laptop");
		try (AutoCloseable connected = heartbeat(laptop)) {
			assertThat(expectChange(alice, WAIT).status()).isEqualTo("online");
			assertThat(request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}").statusCode())
				.isEqualTo(200);
			assertThat(expectChange(alice, WAIT).status()).isEqualTo("away");
			assertThat(scrapedUntil(ONLINE_USERS, (value) -> value >= users + 1)).isEqualTo(users + 1);
		}
		gateway().remove(laptop);
		assertThat(expectChange(alice, WAIT).status()).isEqualTo("offline");
		assertThat(scrapedUntil(ONLINE_USERS, (value) -> value <= users)).isEqualTo(users);
		// No other test's user goes online or away meanwhile; one may go offline.
		assertThat(scrapedReaching(ONLINE_CHANGES, online + 1)).isEqualTo(online + 1);
		assertThat(scrapedReaching(AWAY_CHANGES, away + 1)).isEqualTo(away + 1);
		assertThat(scrapedReaching(OFFLINE_CHANGES, offline + 1)).isGreaterThanOrEqualTo(offline + 1);
		assertThat(request(null, "GET", "/actuator/prometheus", null).body())
			.contains("blueprint_chat_presence_unreadable_total ")
			.contains("blueprint_chat_presence_sweep_users_count ");
	}

	/**
	 * A series once it has reached {@code expected}, or after {@link #WAIT}: a sweep
	 * counts its changes just after publishing them.
	 */
	private double scrapedReaching(String series, double expected) throws Exception {
		return scrapedUntil(series, (value) -> value >= expected);
	}

	/** A series once it is {@code expected}, or after {@link #WAIT}. */
	private double scrapedUntil(String series, DoublePredicate expected) throws Exception {
		long deadline = System.nanoTime() + WAIT.toNanos();
		double value = scraped(series);
		while (!expected.test(value) && System.nanoTime() < deadline) {
			Thread.sleep(50);
			value = scraped(series);
		}
		return value;
	}

	/**
	 * The online gauge once the due set it counts (one for the whole Redis, so other
	 * tests' users too) has held the same users for a lease and two sweeps: a user an
	 * earlier test left with a live lease has run out and been evaluated by then (tests
	 * run one at a time), so from here only this test moves it.
	 */
	private double onlineUsersOnceSettled() throws Exception {
		Duration quiet = LEASE.plus(SWEEP.multipliedBy(2));
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		Set<String> due = this.redis.opsForZSet().range(SessionRegistry.PRESENCE_DUE, 0, -1);
		long quietSince = System.nanoTime();
		while (System.nanoTime() - quietSince < quiet.toNanos()) {
			if (System.nanoTime() - deadline > 0) {
				throw new AssertionError("the due set kept changing for 20 s: " + due);
			}
			Thread.sleep(100);
			Set<String> now = this.redis.opsForZSet().range(SessionRegistry.PRESENCE_DUE, 0, -1);
			if (!now.equals(due)) {
				due = now;
				quietSince = System.nanoTime();
			}
		}
		int settled = due.size();
		assertThat(scrapedUntil(ONLINE_USERS, (value) -> value == settled)).as("the gauge after the due set settled")
			.isEqualTo(settled);
		return settled;
	}

	private double scraped(String series) throws Exception {
		HttpResponse<String> scrape = request(null, "GET", "/actuator/prometheus", null);
		assertThat(scrape.statusCode()).isEqualTo(200);
		return scrape.body()
			.lines()
			.filter((line) -> line.startsWith(series + " "))
			.map((line) -> Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]))
			.findFirst()
			.orElseThrow(() -> new AssertionError(series + " is not in the scrape"));
	}

	@Test
	void readingOnesOwnPresenceAboveTheQueryRateGets429() throws Exception {
		String alice = unique("alice");
		// presence-query: burst 50, 20 a second; GET /me was not limited at all. 300 at
		// once, 16 at a time: only a run longer than 12 s would let them all pass.
		java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(16);
		List<java.util.concurrent.Future<HttpResponse<String>>> calls = new java.util.ArrayList<>();
		try {
			for (int i = 0; i < 300; i++) {
				calls.add(callers.submit(() -> request(alice, "GET", "/api/v1/presence/me", null)));
			}
			HttpResponse<String> response = null;
			for (java.util.concurrent.Future<HttpResponse<String>> call : calls) {
				HttpResponse<String> answer = call.get();
				assertThat(answer.statusCode()).as(answer.body()).isIn(200, 429);
				if (answer.statusCode() == 429) {
					response = answer;
				}
			}
			assertThat(response).as("some calls refused").isNotNull();
			assertProblem(response, 429);
			assertThat(response.headers().firstValue("Retry-After")).isPresent();
		}
		finally {
			callers.shutdownNow();
		}
	}

	@Test
	void statusChangesAboveTheUsersRateGet429() throws Exception {
		String alice = unique("alice");
		// PRESENCE_UPDATE_BURST is 3 here (1/s refill): three pass, the burst's next ones
		// do not.
		for (int i = 0; i < 3; i++) {
			assertThat(request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}").statusCode())
				.isEqualTo(200);
		}
		HttpResponse<String> limited = request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}");
		if (limited.statusCode() == 200) {
			// a token refilled in between on a slow machine
			limited = request(alice, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}");
		}
		assertProblem(limited, 429);
		assertThat(limited.headers().firstValue("Retry-After")).isPresent();
	}

}
