package dev.blueprint.chat.message.web;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.message.ChatMessageProperties;
import dev.blueprint.chat.message.conversations.Conversation;
import dev.blueprint.chat.message.storage.ChatStore;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.TestTokens;
import io.github.resilience4j.bulkhead.Bulkhead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

class ConversationApiIntegrationTests extends ChatIntegrationTest {

	@Autowired
	private ChatStore store;

	@Autowired
	private Bulkhead apiStoreRequests;

	@Autowired
	private ChatMessageProperties properties;

	@Autowired
	private CqlSession session;

	/**
	 * A group create's retries with the same Idempotency-Key create one group: a replay
	 * gets it (200), a retry after an attempt that failed before writing it gets the same
	 * id (201), and the key for another request is refused. Before 2026-12-06 every retry
	 * created another group.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void aGroupCreatedWithAnIdempotencyKeyIsCreatedOnceWhateverTheRetries() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String body = "{\"type\":\"group\",\"name\":\"trip\",\"members\":[\"" + bob + "\"]}";
		String key = unique("key");

		HttpResponse<String> first = post(alice, "/api/v1/conversations", body, "Idempotency-Key", key);
		assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
		String id = json(first, "$.id");
		HttpResponse<String> replay = post(alice, "/api/v1/conversations", body, "Idempotency-Key", key);
		assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
		assertThat((String) json(replay, "$.id")).isEqualTo(id);

		HttpResponse<String> other = post(alice, "/api/v1/conversations",
				"{\"type\":\"group\",\"name\":\"another trip\",\"members\":[\"" + bob + "\"]}", "Idempotency-Key", key);
		assertProblem(other, 409);
		assertThat((String) json(other, "$.detail")).contains(key);
		HttpResponse<String> bobsOwn = post(bob, "/api/v1/conversations",
				"{\"type\":\"group\",\"members\":[\"" + alice + "\"]}", "Idempotency-Key", key);
		assertThat(bobsOwn.statusCode()).as("a key is the caller's own").isEqualTo(201);
		assertThat((String) json(bobsOwn, "$.id")).isNotEqualTo(id);
		assertProblem(post(alice, "/api/v1/conversations", body, "Idempotency-Key", "a key"), 400);

		// an attempt that claimed its key and failed before the group was written
		String retried = unique("key");
		String firstTry = json(post(alice, "/api/v1/conversations", body, "Idempotency-Key", retried), "$.id");
		this.session.execute("DELETE FROM conversations WHERE id = ?", UUID.fromString(firstTry));
		HttpResponse<String> retry = post(alice, "/api/v1/conversations", body, "Idempotency-Key", retried);
		assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
		assertThat((String) json(retry, "$.id")).isEqualTo(firstTry);
		assertThat((List<String>) json(get(alice, "/api/v1/conversations"), "$[*].id")).as("one group per key")
			.containsExactlyInAnyOrder(id, firstTry, json(bobsOwn, "$.id"));

		// having left the group, the key is no way back in
		HttpResponse<String> left = delete(alice, "/api/v1/conversations/" + id + "/members/" + alice);
		assertThat(left.statusCode()).as(left.body()).isEqualTo(204);
		assertProblem(post(alice, "/api/v1/conversations", body, "Idempotency-Key", key), 403);
	}

	@Test
	void aDirectConversationBetweenTheSameTwoUsersIsCreatedOnce() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		HttpResponse<String> first = post(alice, "/api/v1/conversations",
				"{\"type\":\"direct\",\"members\":[\"" + bob + "\"]}");
		assertThat(first.statusCode()).isEqualTo(201);
		String id = json(first, "$.id");
		assertThat(first.headers().firstValue("Location")).hasValue("/api/v1/conversations/" + id);
		HttpResponse<String> again = post(bob, "/api/v1/conversations",
				"{\"type\":\"direct\",\"members\":[\"" + alice + "\",\"" + bob + "\"]}");
		assertThat(again.statusCode()).isEqualTo(200);
		assertThat((String) json(again, "$.id")).isEqualTo(id);
		List<String> members = json(again, "$.members");
		assertThat(members).containsExactlyInAnyOrder(alice, bob);
	}

	@Test
	void ofManyCallsCreatingOneDirectPairAtOnceOneIsACreationAndAllGetTheSameConversation() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		java.util.concurrent.ExecutorService calls = java.util.concurrent.Executors.newFixedThreadPool(8);
		try {
			List<java.util.concurrent.Future<HttpResponse<String>>> responses = new java.util.ArrayList<>();
			for (int i = 0; i < 8; i++) {
				String caller = (i % 2 == 0) ? alice : bob;
				String other = (i % 2 == 0) ? bob : alice;
				responses.add(calls.submit(() -> post(caller, "/api/v1/conversations",
						"{\"type\":\"direct\",\"members\":[\"" + other + "\"]}")));
			}
			List<Integer> statuses = new java.util.ArrayList<>();
			Set<String> ids = new HashSet<>();
			for (var response : responses) {
				HttpResponse<String> done = response.get(30, java.util.concurrent.TimeUnit.SECONDS);
				statuses.add(done.statusCode());
				ids.add(json(done, "$.id"));
			}
			assertThat(statuses).containsOnly(200, 201).containsOnlyOnce(201);
			assertThat(ids).hasSize(1);
		}
		finally {
			calls.shutdownNow();
		}
	}

	@Test
	void theConversationListShowsLastSeqAndLastMessageMostRecentFirst() throws Exception {
		String alice = unique("alice");
		UUID quiet = conversation(alice, "group", unique("bob"));
		UUID busy = conversation(alice, "direct", unique("carol"));
		submit(busy, alice, "c-1", "first");
		submit(busy, alice, "c-2", "latest words");
		awaitEvents(busy, 2, java.time.Duration.ofSeconds(30));
		HttpResponse<String> list = get(alice, "/api/v1/conversations");
		assertThat(list.statusCode()).isEqualTo(200);
		assertThat((List<String>) json(list, "$[*].id")).containsExactly(busy.toString(), quiet.toString());
		assertThat((Integer) json(list, "$[0].lastSeq")).isEqualTo(2);
		assertThat((String) json(list, "$[0].lastMessage.body")).isEqualTo("latest words");
		assertThat((Integer) json(list, "$[1].lastSeq")).isEqualTo(0);
		assertThat((Object) json(list, "$[1].lastMessage")).isNull();
	}

	@Test
	void onlyMembersReadHistoryOrChangeMembers() throws Exception {
		String alice = unique("alice");
		String mallory = unique("mallory");
		UUID group = conversation(alice, "group", unique("bob"));
		HttpResponse<String> history = get(mallory, "/api/v1/conversations/" + group + "/messages");
		assertThat(history.statusCode()).isEqualTo(403);
		assertThat(history.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(post(mallory, "/api/v1/conversations/" + group + "/members/" + mallory, "").statusCode())
			.isEqualTo(403);
		assertThat(get(alice, "/api/v1/conversations/" + UUID.randomUUID() + "/messages").statusCode()).isEqualTo(404);
		assertThat(get(null, "/api/v1/conversations").statusCode()).isEqualTo(401);
	}

	@Test
	void membersJoinAndLeaveGroupsButNotDirectConversations() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		UUID group = conversation(alice, "group", bob);
		HttpResponse<String> added = post(bob, "/api/v1/conversations/" + group + "/members/" + carol, "");
		assertThat(added.statusCode()).isEqualTo(200);
		assertThat((List<String>) json(added, "$.members")).contains(carol);
		assertThat(json(get(carol, "/api/v1/conversations"), "$[*].id").toString()).contains(group.toString());
		assertThat(delete(bob, "/api/v1/conversations/" + group + "/members/" + carol).statusCode()).isEqualTo(403);
		assertThat(delete(carol, "/api/v1/conversations/" + group + "/members/" + carol).statusCode()).isEqualTo(204);
		assertThat(get(carol, "/api/v1/conversations/" + group + "/messages").statusCode()).isEqualTo(403);
		UUID direct = conversation(alice, "direct", bob);
		assertThat(post(alice, "/api/v1/conversations/" + direct + "/members/" + carol, "").statusCode())
			.isEqualTo(409);
	}

	@Test
	@SuppressWarnings("unchecked")
	void theMembersViewListsTheSameConversationsWithTheirMembersOnlyInTwoReadsEach() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		String carol = unique("carol");
		UUID direct = conversation(alice, "direct", bob);
		UUID group = conversation(alice, "group", bob, carol);
		submit(direct, alice, "c-1", "hello");
		awaitEvents(direct, 1, java.time.Duration.ofSeconds(30));
		AtomicInteger reads = new AtomicInteger();
		this.apiStoreRequests.getEventPublisher().onCallFinished((event) -> reads.incrementAndGet());

		HttpResponse<String> full = get(alice, "/api/v1/conversations");
		assertThat(full.statusCode()).as(full.body()).isEqualTo(200);
		assertThat(reads.getAndSet(0)).as("the full list's reads").isEqualTo(1 + 4 * 2);
		HttpResponse<String> members = get(alice, "/api/v1/conversations?view=members");
		assertThat(members.statusCode()).as(members.body()).isEqualTo(200);
		assertThat(reads.get()).as("the members view's reads").isEqualTo(1 + 2 * 2);

		assertThat((List<String>) json(members, "$[*].id"))
			.containsExactlyInAnyOrderElementsOf((List<String>) json(full, "$[*].id"));
		assertThat((List<String>) json(members, "$[?(@.id == '" + direct + "')].members[*]"))
			.containsExactlyInAnyOrder(alice, bob);
		assertThat((List<String>) json(members, "$[?(@.id == '" + group + "')].members[*]"))
			.containsExactlyInAnyOrder(alice, bob, carol);
		assertThat((List<String>) json(members, "$[?(@.id == '" + group + "')].type")).containsExactly("group");
		assertThat(members.body()).doesNotContain("lastSeq").doesNotContain("lastMessage").doesNotContain("hello");
		assertThat((List<Object>) json(get(unique("dave"), "/api/v1/conversations?view=members"), "$")).isEmpty();
	}

	@Test
	void badInputIsA400NamingTheField() throws Exception {
		String alice = unique("alice");
		assertField(post(alice, "/api/v1/conversations", "{\"members\":[\"bob\"]}"), "type");
		assertField(post(alice, "/api/v1/conversations", "{\"type\":\"channel\",\"members\":[\"bob\"]}"), "type");
		assertField(post(alice, "/api/v1/conversations", "{\"type\":\"group\"}"), "members");
		assertField(post(alice, "/api/v1/conversations", "{\"type\":\"group\",\"members\":[\"b o b\"]}"), "members");
		assertField(post(alice, "/api/v1/conversations", "{\"type\":\"direct\",\"members\":[\"bob\",\"carol\"]}"),
				"members");
		assertField(post(alice, "/api/v1/conversations",
				"{\"type\":\"group\",\"members\":[\"bob\"],\"name\":\"" + "n".repeat(101) + "\"}"), "name");
		assertField(get(alice, "/api/v1/conversations/not-a-uuid/messages"), "id");
		assertField(get(alice, "/api/v1/conversations?view=summary"), "view");
		assertField(get(alice, "/api/v1/conversations?view=" + "m".repeat(5000)), "view");
		UUID group = conversation(alice, "group", unique("bob"));
		assertField(get(alice, "/api/v1/conversations/" + group + "/messages?limit=201"), "limit");
		assertField(get(alice, "/api/v1/conversations/" + group + "/messages?limit=0"), "limit");
		assertField(get(alice, "/api/v1/conversations/" + group + "/messages?after=1&before=3"), "after");
		HttpResponse<String> malformed = post(alice, "/api/v1/conversations", "{\"type\":");
		assertThat(malformed.statusCode()).isEqualTo(400);
		assertThat(json(malformed, "$.detail").toString())
			.isEqualTo("The request body is not valid JSON of the form {type, members, name?}");
		// A misspelt field is refused, not ignored: the group is not created without its
		// name.
		int before = ((List<?>) json(get(alice, "/api/v1/conversations"), "$[*].id")).size();
		HttpResponse<String> misspelt = post(alice, "/api/v1/conversations",
				"{\"type\":\"group\",\"members\":[\"bob\"],\"nmae\":\"team\"}");
		assertField(misspelt, "nmae");
		assertThat(json(misspelt, "$.detail").toString())
			.isEqualTo("nmae is not a field of this request (its fields: members, name, type)");
		// A subject outside the user-id rule (an external issuer's): '|' would name
		// another pair's direct conversation ("a|b" with "c" is "b|c" with "a").
		assertProblem(postWithToken(TestTokens.withSubject("x|" + alice), "/api/v1/conversations",
				"{\"type\":\"direct\",\"members\":[\"bob\"]}"), 403);
		assertProblem(postWithToken(TestTokens.withSubject("u".repeat(129)), "/api/v1/conversations",
				"{\"type\":\"group\",\"members\":[\"bob\"]}"), 403);
		assertThat(json(get(alice, "/api/v1/conversations"), "$[*].id").toString()).containsOnlyOnce(group.toString());
		assertThat((List<?>) json(get(alice, "/api/v1/conversations"), "$[*].id")).as("nothing created")
			.hasSize(before);
	}

	@Test
	void aUserInHundredsOfConversationsGetsThemAllListed() throws Exception {
		String alice = unique("alice");
		int count = 400; // four reads each: 1,600 past the driver's 1,024 per connection
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < count; i++) {
			Conversation group = new Conversation(UUID.randomUUID(), Conversation.GROUP, "g" + i, alice, Instant.now(),
					List.of(alice));
			this.store.saveConversation(group);
			ids.add(group.id().toString());
		}

		HttpResponse<String> list = get(alice, "/api/v1/conversations");

		assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
		assertThat((List<String>) json(list, "$[*].id")).hasSize(count).containsExactlyInAnyOrderElementsOf(ids);

		// Several at once: each keeps up to 256 reads in flight, together past the API's
		// share (500) and the driver's 1,024 per connection; the share's permits queue
		// them, fairly.
		int concurrent = 12;
		java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(concurrent);
		try {
			java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(concurrent);
			List<java.util.concurrent.Future<HttpResponse<String>>> lists = new java.util.ArrayList<>();
			for (int i = 0; i < concurrent; i++) {
				lists.add(callers.submit(() -> {
					start.await();
					return get(alice, "/api/v1/conversations");
				}));
			}
			for (java.util.concurrent.Future<HttpResponse<String>> each : lists) {
				HttpResponse<String> response = each.get(60, java.util.concurrent.TimeUnit.SECONDS);
				assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
				assertThat((List<String>) json(response, "$[*].id")).hasSize(count);
			}
		}
		finally {
			callers.shutdownNow();
		}
		// every read returned its permit
		assertThat(this.apiStoreRequests.getMetrics().getAvailableConcurrentCalls())
			.isEqualTo(this.apiStoreRequests.getBulkheadConfig().getMaxConcurrentCalls());
	}

	@Test
	@Timeout(60)
	void historyAnswersAtOnceAtTheEdgesOfSeq() throws Exception {
		String alice = unique("alice");
		UUID group = conversation(alice, "group", unique("bob"));
		submit(group, alice, "c-1", "only");
		awaitEvents(group, 1, java.time.Duration.ofSeconds(30));
		String messages = "/api/v1/conversations/" + group + "/messages";

		assertThat((List<Integer>) json(get(alice, messages + "?after=" + Long.MAX_VALUE), "$[*].seq")).isEmpty();
		assertThat((List<Integer>) json(get(alice, messages + "?after=1"), "$[*].seq")).isEmpty();
		assertThat((List<Integer>) json(get(alice, messages + "?after=0"), "$[*].seq")).containsExactly(1);
		assertThat((List<Integer>) json(get(alice, messages + "?before=" + Long.MAX_VALUE), "$[*].seq"))
			.containsExactly(1);
		assertThat((List<Integer>) json(get(alice, messages + "?before=1"), "$[*].seq")).isEmpty();
		assertField(get(alice, messages + "?after=9223372036854775808"), "after");
	}

	@Test
	void aGroupAcceptsItsMaximumMemberCountAndNotOneMore() throws Exception {
		String alice = unique("alice");
		String prefix = unique("m");
		StringBuilder members = new StringBuilder();
		for (int i = 1; i < 1000; i++) {
			members.append(i > 1 ? "," : "").append('"').append(prefix).append(i).append('"');
		}
		HttpResponse<String> full = post(alice, "/api/v1/conversations",
				"{\"type\":\"group\",\"members\":[" + members + "]}");
		assertThat(full.statusCode()).as(full.body()).isEqualTo(201);
		assertThat((Integer) json(full, "$.members.length()")).isEqualTo(1000);
		assertField(
				post(alice, "/api/v1/conversations", "{\"type\":\"group\",\"members\":[" + members + ",\"one-more\"]}"),
				"members");
		String id = json(full, "$.id");
		assertThat(post(alice, "/api/v1/conversations/" + id + "/members/one-more", "").statusCode()).isEqualTo(409);
	}

	@Test
	@Timeout(180)
	@SuppressWarnings("unchecked")
	void aUserJoinsConversationsUpToTheLimitAndNotOneMoreUntilTheyLeaveOne() throws Exception {
		int limit = this.properties.limits().maxConversationsPerUser();
		String bob = unique("bob");
		for (int i = 0; i < limit - 1; i++) {
			this.store.saveConversation(
					new Conversation(UUID.randomUUID(), Conversation.GROUP, "g" + i, bob, Instant.now(), List.of(bob)));
		}
		// rows of a conversation whose creation failed half-way: not one of them
		ChatStore.join(this.store.saveMemberRowsAsync(UUID.randomUUID(), List.of(bob), List.of(), Instant.now(), 1));
		String alice = unique("alice");
		String carol = unique("carol");
		// the last one there is room for
		UUID last = conversation(alice, "group", bob);

		HttpResponse<String> group = post(carol, "/api/v1/conversations",
				"{\"type\":\"group\",\"members\":[\"" + bob + "\"]}");
		assertProblem(group, 409);
		assertThat((String) json(group, "$.detail")).contains(bob).contains(String.valueOf(limit));
		assertProblem(post(carol, "/api/v1/conversations", "{\"type\":\"direct\",\"members\":[\"" + bob + "\"]}"), 409);
		UUID carols = conversation(carol, "group", unique("dave"));
		assertProblem(post(carol, "/api/v1/conversations/" + carols + "/members/" + bob, ""), 409);
		assertThat((List<String>) json(get(carol, "/api/v1/conversations"), "$[*].id"))
			.as("nothing of the refused calls was stored")
			.containsExactly(carols.toString());
		List<String> carolsMembers = json(get(carol, "/api/v1/conversations/" + carols), "$.members");
		assertThat(carolsMembers).doesNotContain(bob);

		// every one of them is listed (before the limit, the list stopped at the 500
		// latest)
		HttpResponse<String> bobs = get(bob, "/api/v1/conversations");
		assertThat(bobs.statusCode()).as(bobs.body()).isEqualTo(200);
		assertThat((Integer) json(bobs, "$.length()")).isEqualTo(limit);

		// leaving one makes room for one
		assertThat(delete(bob, "/api/v1/conversations/" + last + "/members/" + bob).statusCode()).isEqualTo(204);
		HttpResponse<String> direct = post(carol, "/api/v1/conversations",
				"{\"type\":\"direct\",\"members\":[\"" + bob + "\"]}");
		assertThat(direct.statusCode()).as(direct.body()).isEqualTo(201);
	}

	@Test
	void everyEndpointAnswersWithoutATokenOutsideItsConversationsAndForUnknownOnesAsProblemJson() throws Exception {
		String alice = unique("alice");
		String mallory = unique("mallory");
		UUID group = conversation(alice, "group", unique("bob"));
		String unknown = "/api/v1/conversations/" + UUID.randomUUID();
		String known = "/api/v1/conversations/" + group;
		for (String path : List.of(known, known + "/messages", known + "/receipts")) {
			assertProblem(get(null, path), 401);
			assertProblem(get(mallory, path), 403);
			assertProblem(get(alice, path.replace(known, unknown)), 404);
		}
		assertProblem(post(null, "/api/v1/conversations", "{\"type\":\"group\",\"members\":[\"bob\"]}"), 401);
		assertProblem(post(null, known + "/members/" + mallory, ""), 401);
		assertProblem(post(mallory, known + "/members/" + mallory, ""), 403);
		assertProblem(post(alice, unknown + "/members/" + mallory, ""), 404);
		assertProblem(delete(null, known + "/members/" + alice), 401);
		assertProblem(delete(mallory, known + "/members/" + alice), 403);
		assertProblem(delete(alice, unknown + "/members/" + alice), 404);
		assertProblem(post(alice, "/api/v1/conversations", "{\"type\":"), 400);
		assertProblem(post(alice, "/api/v1/conversations", "[1, 2]"), 400);
		List<String> members = json(get(alice, known), "$.members");
		assertThat(members).as("nothing changed").doesNotContain(mallory).contains(alice);
	}

	private static void assertProblem(HttpResponse<String> response, int status) {
		assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type")).as(response.uri().toString())
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat((Integer) json(response, "$.status")).isEqualTo(status);
		assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
	}

	private static void assertField(HttpResponse<String> response, String field) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat((String) json(response, "$.field")).isEqualTo(field);
	}

}
