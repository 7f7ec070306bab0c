package dev.blueprint.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.blueprint.testsupport.chat.StompTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat system's client side for the scenarios: STOMP connections and the REST API.
 */
final class ChatApi {

	static final Duration WAIT = Duration.ofSeconds(30);

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final ObjectMapper json = new ObjectMapper();

	private ChatApi() {
	}

	/** A STOMP client of the gateway on {@code port}, subscribed and ready. */
	static StompTestClient connect(int port, String user) throws Exception {
		return StompTestClient.connect("ws://localhost:" + port + "/ws", SharedSuite.token(user)).awaitReady();
	}

	/** A STOMP client of the suite's gateway. */
	static StompTestClient connect(String user) throws Exception {
		return connect(Suite.port("chat-gateway"), user);
	}

	static HttpResponse<String> rest(String user, String method, String path, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + Suite.port("chat-message-service") + path))
			.timeout(WAIT)
			.header("Authorization", "Bearer " + SharedSuite.token(user))
			.header("Content-Type", "application/json")
			.method(method,
					(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Creates a conversation and returns its id. */
	static String conversation(String creator, String type, String... others) throws Exception {
		HttpResponse<String> created = rest(creator, "POST", "/api/v1/conversations",
				json.writeValueAsString(Map.of("type", type, "members", List.of(others))));
		assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
		return json.readTree(created.body()).path("id").asString();
	}

	/** A page of messages after {@code after} with the server's default limit. */
	static List<JsonNode> page(String user, String conversation, long after) throws Exception {
		return messages(user, "/api/v1/conversations/" + conversation + "/messages?after=" + after);
	}

	/** Up to 200 messages after {@code after}, in seq order. */
	static List<JsonNode> history(String user, String conversation, long after) throws Exception {
		return messages(user, "/api/v1/conversations/" + conversation + "/messages?after=" + after + "&limit=200");
	}

	private static List<JsonNode> messages(String user, String path) throws Exception {
		HttpResponse<String> page = rest(user, "GET", path, null);
		assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
		List<JsonNode> messages = new ArrayList<>();
		json.readTree(page.body()).forEach(messages::add);
		return messages;
	}

}
