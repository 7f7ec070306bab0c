package dev.blueprint.shortener.links;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Creates are rate limited through the rate limiter's client starter (embedded mode, real
 * Redis): per client address when anonymous, per user when authenticated, with a
 * problem+json 429, the standard headers and nothing stored for a denied request.
 */
@RealInfrastructure
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "SHORTENER_CREATE_LIMIT_PER_SECOND=3", "SHORTENER_CREATE_LIMIT_PER_HOUR=100000000" })
class CreateRateLimitIntegrationTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	int port;

	@Test
	void theFourthCreateInASecondIsRefusedAndStoresNothing() throws Exception {
		String user = "rl-" + UUID.randomUUID().toString().substring(0, 8);
		List<HttpResponse<String>> responses = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			responses.add(create("https://example.com/limited/" + i, TestTokens.bearer(user)));
		}
		assertThat(responses.subList(0, 3)).allSatisfy((response) -> assertThat(response.statusCode()).isEqualTo(201));
		HttpResponse<String> denied = responses.get(3);
		assertThat(denied.statusCode()).isEqualTo(429);
		assertThat(denied.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(denied.headers().firstValue("Retry-After")).isPresent();
		assertThat(denied.headers().firstValue("RateLimit-Policy")).isPresent();
		assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
		assertThat(JsonPath.<String>read(denied.body(), "$.rule")).isEqualTo("url-create");

		HttpResponse<String> links = get("/api/v1/urls?owner=me&size=10", TestTokens.bearer(user));
		assertThat(JsonPath.<List<Object>>read(links.body(), "$.items")).hasSize(3);
	}

	@Test
	void eachUserHasABudgetOfTheirOwn() throws Exception {
		String first = "rl-" + UUID.randomUUID().toString().substring(0, 8);
		String second = "rl-" + UUID.randomUUID().toString().substring(0, 8);
		for (int i = 0; i < 3; i++) {
			assertThat(create("https://example.com/a/" + i, TestTokens.bearer(first)).statusCode()).isEqualTo(201);
		}
		assertThat(create("https://example.com/a/4", TestTokens.bearer(first)).statusCode()).isEqualTo(429);
		assertThat(create("https://example.com/b/1", TestTokens.bearer(second)).statusCode()).isEqualTo(201);
	}

	private HttpResponse<String> create(String url, String authorization) throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + "/api/v1/urls"))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + url + "\"}"));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String path, String authorization) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(20))
			.header("Authorization", authorization)
			.GET()
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}
