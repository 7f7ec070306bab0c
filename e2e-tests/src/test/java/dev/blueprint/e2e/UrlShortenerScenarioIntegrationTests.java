package dev.blueprint.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The URL shortener as a client sees it, against the whole suite started by
 * {@code ./suite up -d} (once for every scenario class): create, follow, count, delete by
 * the owner only, and refuse bad input.
 */
@ExtendWith(SharedSuite.class)
class UrlShortenerScenarioIntegrationTests {

	private static final HttpClient http = HttpClient.newBuilder()
		.connectTimeout(Duration.ofSeconds(5))
		.followRedirects(HttpClient.Redirect.NEVER)
		.build();

	private static final ObjectMapper json = new ObjectMapper();

	private static String alice;

	private static String bob;

	@BeforeAll
	static void tokens() {
		alice = SharedSuite.token("alice");
		bob = SharedSuite.token("bob");
	}

	@Test
	void anAnonymousLinkRedirectsAndCountsItsClicks() throws Exception {
		String target = "https://example.com/e2e/" + UUID.randomUUID();
		HttpResponse<String> created = post("{\"url\":\"" + target + "\"}", null);
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		String code = json.readTree(created.body()).path("code").asString();
		assertThat(code).matches("[0-9A-Za-z]{7}");
		// relative to the URL posted to (/api/v1/urls)
		assertThat(created.headers().firstValue("Location")).hasValue("urls/" + code);

		for (int i = 0; i < 3; i++) {
			HttpResponse<String> redirect = get("/" + code, null);
			assertThat(redirect.statusCode()).isEqualTo(302);
			assertThat(redirect.headers().firstValue("Location")).hasValue(target);
		}
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
			JsonNode details = json.readTree(get("/api/v1/urls/" + code, null).body());
			assertThat(details.path("url").asString()).isEqualTo(target);
			assertThat(details.path("clicks").path("total").asLong()).isEqualTo(3);
		});
	}

	@Test
	void onlyTheOwnerDeletesAndADeletedLinkIsGone() throws Exception {
		String alias = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
		HttpResponse<String> created = post("{\"url\":\"https://example.com/owned\",\"alias\":\"" + alias + "\"}",
				alice);
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		assertThat(get("/" + alias, null).statusCode()).isEqualTo(302);

		assertThat(delete("/api/v1/urls/" + alias, bob).statusCode()).isEqualTo(403);
		assertThat(delete("/api/v1/urls/" + alias, null).statusCode()).isEqualTo(401);
		assertThat(delete("/api/v1/urls/" + alias, alice).statusCode()).isEqualTo(204);
		assertThat(get("/" + alias, null).statusCode()).isEqualTo(404);
	}

	@Test
	void aDangerousUrlIsRefusedNamingTheField() throws Exception {
		HttpResponse<String> refused = post("{\"url\":\"javascript:alert(1)\"}", null);
		assertThat(refused.statusCode()).isEqualTo(400);
		assertThat(refused.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(json.readTree(refused.body()).path("field").asString()).isEqualTo("url");
	}

	private static HttpResponse<String> post(String body, String token) throws Exception {
		HttpRequest.Builder request = request("/api/v1/urls", token).header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body));
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpResponse<String> get(String path, String token) throws Exception {
		return http.send(request(path, token).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpResponse<String> delete(String path, String token) throws Exception {
		return http.send(request(path, token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpRequest.Builder request(String path, String token) {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + Suite.port("url-shortener-service") + path))
			.timeout(Duration.ofSeconds(20));
		if (token != null) {
			request.header("Authorization", "Bearer " + token);
		}
		return request;
	}

}
