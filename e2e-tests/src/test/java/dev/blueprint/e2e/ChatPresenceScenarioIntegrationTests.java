package dev.blueprint.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static dev.blueprint.e2e.ChatApi.conversation;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence and typing as users see them, against the whole suite: the gateways register
 * sessions, presence-service turns them into presence changes, every gateway pushes them
 * to the users who share a conversation (read from chat-message-service), and the
 * presence REST API answers within the contacts policy.
 */
@ExtendWith(SharedSuite.class)
class ChatPresenceScenarioIntegrationTests {

	private static final Duration WAIT = ChatApi.WAIT;

	/**
	 * How long a reload is watched for a push: past the suite's offline grace (10 s,
	 * {@code PRESENCE_OFFLINE_GRACE}) and the sweep that ends it, with room.
	 */
	private static final Duration RELOAD_WATCH = Duration.ofSeconds(13);

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final ObjectMapper json = new ObjectMapper();

	private static String user(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 6);
	}

	private static StompTestClient connect(String user) throws Exception {
		StompTestClient client = StompTestClient.connect("ws://localhost:" + Suite.port("chat-gateway") + "/ws",
				SharedSuite.token(user));
		client.subscribe("presence");
		client.subscribe("typing");
		return client.awaitReady();
	}

	private static HttpResponse<String> presence(String user, String method, String path, String body)
			throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + Suite.port("presence-service") + path))
			.timeout(WAIT)
			.header("Authorization", "Bearer " + SharedSuite.token(user))
			.header("Content-Type", "application/json")
			.method(method,
					(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * The gateway's successful reads of users' conversations so far (tests run one at a
	 * time).
	 */
	private static double contactReads() throws Exception {
		HttpResponse<String> scrape = http.send(HttpRequest
			.newBuilder(URI.create("http://localhost:" + Suite.port("chat-gateway") + "/actuator/prometheus"))
			.timeout(WAIT)
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(scrape.statusCode()).isEqualTo(200);
		return scrape.body()
			.lines()
			.filter((line) -> line.startsWith("blueprint_chat_gateway_contacts_reads_total{")
					&& line.contains("outcome=\"ok\""))
			.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	/** The next presence push about {@code user}. */
	private static JsonNode presenceOf(StompTestClient client, String user) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (System.nanoTime() < deadline) {
			JsonNode change = client.next("presence", Duration.ofMillis(200));
			if (change != null && change.path("userId").asString().equals(user)) {
				return change;
			}
		}
		throw new AssertionError("no presence push about " + user + " within " + WAIT);
	}

	/** The next presence push about {@code user} within {@code timeout}, or null. */
	private static JsonNode pushAbout(StompTestClient client, String user, Duration timeout)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			JsonNode change = client.next("presence", Duration.ofMillis(200));
			if (change != null && change.path("userId").asString().equals(user)) {
				return change;
			}
		}
		return null;
	}

	@Test
	void contactsSeeEachOtherComeGoTypeAndHide() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		String mallory = user("mallory");
		String conversation = conversation(alice, "direct", bob);
		double contactReads = contactReads();
		try (StompTestClient aliceClient = connect(alice)) {
			// The gateway reads Alice's conversations in the background after she
			// connects; a change of Bob's before that read is done is not pushed to her
			// (she is told to read his presence instead): this test wants the push.
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (contactReads() <= contactReads && System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			assertThat(contactReads()).as("Alice's contacts read").isGreaterThan(contactReads);
			StompTestClient bobClient = connect(bob);
			assertThat(presenceOf(aliceClient, bob).path("status").asString()).isEqualTo("online");

			bobClient.sendRaw("/app/conversations/" + conversation + "/typing", "");
			JsonNode typing = aliceClient.expect("typing", WAIT);
			assertThat(typing.path("userId").asString()).isEqualTo(bob);
			assertThat(typing.path("conversationId").asString()).isEqualTo(conversation);

			HttpResponse<String> away = presence(bob, "PUT", "/api/v1/presence/me", "{\"status\":\"away\"}");
			assertThat(away.statusCode()).as(away.body()).isEqualTo(200);
			assertThat(presenceOf(aliceClient, bob).path("status").asString()).isEqualTo("away");

			// A reload (or his gateway's restart): Bob's page closes and connects again
			// at
			// once. Alice is told nothing of it: presence-service holds a user whose last
			// device left for its offline grace (10 s), and the page is back within it.
			bobClient.close();
			bobClient = connect(bob);
			assertThat(pushAbout(aliceClient, bob, RELOAD_WATCH)).as("a presence push about a reload").isNull();

			bobClient.close();
			JsonNode offline = presenceOf(aliceClient, bob);
			assertThat(offline.path("status").asString()).isEqualTo("offline");
			assertThat(offline.path("lastSeen").asString()).isNotBlank();

			HttpResponse<String> read = presence(alice, "GET", "/api/v1/presence/" + bob, null);
			assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
			assertThat(json.readTree(read.body()).path("status").asString()).isEqualTo("offline");
			assertThat(presence(mallory, "GET", "/api/v1/presence/" + bob, null).statusCode()).isEqualTo(403);

			malloryTypingIsRefused(mallory, conversation);
		}
	}

	private static void malloryTypingIsRefused(String mallory, String conversation) throws Exception {
		try (StompTestClient client = connect(mallory)) {
			client.sendRaw("/app/conversations/" + conversation + "/typing", "");
			assertThat(client.expect("errors", WAIT).path("code").asString()).isEqualTo("not-a-member");
		}
	}

}
