package dev.blueprint.chat.gateway.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.blueprint.chat.gateway.Handshake;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.ConversationsStub;
import dev.blueprint.testsupport.chat.StompTestClient;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web chat page as the gateway serves it: its files without a token, sign-in by user
 * name on a local stack, and its REST calls forwarded to the owning service with the
 * caller's token (chat-message-service stood in for by {@link ConversationsStub}).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "gateway.web.dev-tokens=true", "gateway.per-message-deflate=true" })
@RealInfrastructure
class WebPageIntegrationTests {

	private static final ConversationsStub conversations = new ConversationsStub();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	int port;

	@Autowired
	JwtDecoder jwtDecoder;

	@DynamicPropertySource
	static void chatMessageService(DynamicPropertyRegistry registry) {
		registry.add("gateway.contacts.url", conversations::url);
	}

	private HttpResponse<String> call(String method, String path, String bearer, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(20))
			.method(method,
					(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		if (body != null) {
			request.header("Content-Type", "application/json");
		}
		if (bearer != null) {
			request.header("Authorization", "Bearer " + bearer);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * A deployment that turns compression on for its browsers (this context does): the
	 * offer is accepted on both handshake paths, and a session whose every frame is
	 * compressed works.
	 */
	@Test
	void withCompressionOnABrowsersOfferIsAcceptedAndItsSessionWorks() throws Exception {
		for (String path : new String[] { "/ws", "/sockjs/000/abcdefgh/websocket" }) {
			List<String> response = Handshake.offeringCompression(this.port, path);
			assertThat(response.get(0)).as(path).contains("101");
			assertThat(response).as(path)
				.anyMatch((header) -> header.startsWith("sec-websocket-extensions: permessage-deflate"));
		}
		try (StompTestClient client = StompTestClient
			.connectOfferingCompression("ws://localhost:" + this.port + "/ws", TestTokens.token("deflate-user"))
			.awaitReady()) {
			assertThat(client.isConnected()).isTrue();
			assertThat(client.negotiatedExtensions()).as("every frame of this session compressed")
				.containsExactly("permessage-deflate");
		}
	}

	@Test
	void thePageAndItsScriptsAreServedWithoutAToken() throws Exception {
		HttpResponse<String> page = call("GET", "/", null, null);
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.body()).contains("<title>Blueprint chat</title>")
			.contains("/chat/vendor/sockjs.min.js")
			.contains("/chat/vendor/stomp.umd.min.js")
			.doesNotContain("https://");
		for (String file : new String[] { "/chat/app.js", "/chat/chat.css", "/chat/vendor/sockjs.min.js",
				"/chat/vendor/stomp.umd.min.js", "/chat/vendor/LICENSE-stompjs.txt",
				"/chat/vendor/LICENSE-sockjs-client.txt" }) {
			assertThat(call("GET", file, null, null).statusCode()).as(file).isEqualTo(200);
		}
		// Nothing else opens up: the API still needs a token.
		assertThat(call("GET", "/api/v1/conversations", null, null).statusCode()).isEqualTo(401);
		assertThat(call("POST", "/", null, "{}").statusCode()).isIn(401, 403);
	}

	@Test
	void aLocalStackSignsInByUserNameWithATokenEveryServiceAccepts() throws Exception {
		HttpResponse<String> minted = call("POST", "/api/v1/dev/token", null, "{\"user\":\"alice.b@example-1\"}");
		assertThat(minted.statusCode()).as(minted.body()).isEqualTo(200);
		JsonNode answer = JSON.readTree(minted.body());
		Jwt jwt = this.jwtDecoder.decode(answer.get("token").asString());
		assertThat(jwt.getSubject()).isEqualTo("alice.b@example-1");
		assertThat(jwt.getClaimAsString("iss")).isEqualTo("blueprint-local");
		assertThat(jwt.getExpiresAt()).isAfter(Instant.now().plus(Duration.ofHours(11)));
		assertThat(Instant.parse(answer.get("expiresAt").asString())).isEqualTo(jwt.getExpiresAt());

		for (String bad : new String[] { "{}", "{\"user\":\"\"}", "{\"user\":\"a b\"}",
				"{\"user\":\"" + "x".repeat(65) + "\"}" }) {
			HttpResponse<String> refused = call("POST", "/api/v1/dev/token", null, bad);
			assertThat(refused.statusCode()).as(bad).isEqualTo(400);
			assertThat(refused.headers().firstValue("Content-Type"))
				.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
			assertThat(JSON.readTree(refused.body()).get("field").asString()).isEqualTo("user");
		}
	}

	@Test
	void restCallsAreForwardedWithTheCallersTokenToTheOwningService() throws Exception {
		String alice = "alice-" + UUID.randomUUID().toString().substring(0, 8);
		UUID conversation = UUID.randomUUID();
		conversations.conversation(conversation, alice, "bob");
		int before = conversations.calls();
		// with its query: the stand-in answers only view=members (a 400 otherwise)
		HttpResponse<String> listed = call("GET", "/api/v1/conversations?view=members", TestTokens.token(alice), null);
		assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
		assertThat(listed.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(JSON.readTree(listed.body()).get(0).get("id").asString()).isEqualTo(conversation.toString());
		assertThat(conversations.calls()).isGreaterThan(before);
		// A bad token stops at the gateway; the service's own answers (here a 500) come
		// back as they are.
		assertThat(call("GET", "/api/v1/conversations", TestTokens.tampered(alice), null).statusCode()).isEqualTo(401);
		conversations.fail(alice);
		assertThat(call("GET", "/api/v1/conversations", TestTokens.token(alice), null).statusCode()).isEqualTo(500);
	}

}
