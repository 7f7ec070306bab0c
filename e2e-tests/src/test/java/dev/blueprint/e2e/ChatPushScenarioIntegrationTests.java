package dev.blueprint.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static dev.blueprint.e2e.ChatApi.conversation;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Store and forward as users see it, against the whole suite (push provider: log): a
 * member who is not connected gets one notification for the messages of a conversation,
 * reads them from history, marks it seen; the connected member gets none.
 */
@ExtendWith(SharedSuite.class)
class ChatPushScenarioIntegrationTests {

	private static final Duration WAIT = ChatApi.WAIT;

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final ObjectMapper json = new ObjectMapper();

	private static String user(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 6);
	}

	private static HttpResponse<String> notifications(String user, String method, String path) throws Exception {
		HttpRequest request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + Suite.port("notification-service") + path))
			.timeout(WAIT)
			.header("Authorization", "Bearer " + SharedSuite.token(user))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.build();
		return http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/** The user's notification of a conversation, or {@code null}. */
	private static JsonNode notificationOf(String user, String conversation) throws Exception {
		HttpResponse<String> list = notifications(user, "GET", "/api/v1/notifications");
		assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
		for (JsonNode item : json.readTree(list.body()).path("items")) {
			if (item.path("conversationId").asString().equals(conversation)) {
				return item;
			}
		}
		return null;
	}

	private static JsonNode awaitNotification(String user, String conversation, int count) throws Exception {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (System.nanoTime() < deadline) {
			JsonNode notification = notificationOf(user, conversation);
			if (notification != null && notification.path("count").asInt() == count) {
				return notification;
			}
			Thread.sleep(200);
		}
		throw new AssertionError(user + " has no notification counting " + count + " in " + conversation);
	}

	@Test
	void anOfflineMemberIsNotifiedOnceReadsHistoryAndMarksItSeen() throws Exception {
		String alice = user("alice");
		String bob = user("bob");
		String carol = user("carol");
		String conversation = conversation(alice, "group", bob, carol);
		try (StompTestClient aliceClient = ChatApi.connect(alice);
				StompTestClient carolClient = ChatApi.connect(carol)) {
			for (int i = 1; i <= 3; i++) {
				aliceClient.send(conversation, "push-" + i, "while bob is away " + i);
				assertThat(aliceClient.expect("acks", WAIT).path("seq").asLong()).isEqualTo(i);
			}
			for (int i = 1; i <= 3; i++) {
				assertThat(carolClient.expect("messages", WAIT).path("seq").asLong()).isEqualTo(i);
			}
			JsonNode notification = awaitNotification(bob, conversation, 3);
			assertThat(notification.path("firstSeq").asLong()).isEqualTo(1);
			assertThat(notification.path("latestSeq").asLong()).isEqualTo(3);
			assertThat(notification.path("senderId").asString()).isEqualTo(alice);
			assertThat(notification.path("preview").asString()).isEqualTo("while bob is away 3");
			assertThat(notification.path("seen").asBoolean()).isFalse();

			List<String> bodies = new ArrayList<>();
			ChatApi.history(bob, conversation, notification.path("firstSeq").asLong() - 1)
				.forEach((message) -> bodies.add(message.path("body").asString()));
			assertThat(bodies).containsExactly("while bob is away 1", "while bob is away 2", "while bob is away 3");
			assertThat(notifications(bob, "POST", "/api/v1/notifications/conversations/" + conversation + "/seen")
				.statusCode()).isEqualTo(204);
			assertThat(notificationOf(bob, conversation).path("seen").asBoolean()).isTrue();

			assertThat(notificationOf(carol, conversation)).as("carol was online").isNull();
			assertThat(notificationOf(alice, conversation)).as("alice sent them").isNull();
		}
	}

}
