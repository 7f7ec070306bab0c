package dev.blueprint.shortener.links;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

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
		properties = { "SHORTENER_CREATE_LIMIT_PER_SECOND=3", "SHORTENER_CREATE_LIMIT_PER_HOUR=100000000",
				// the test's requests come from 127.0.0.1, as from an ingress pod
				"SHORTENER_TRUSTED_PROXIES=127.0.0.0/8" })
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

	/**
	 * Behind a trusted proxy each anonymous client, named by {@code X-Forwarded-For}, has
	 * a budget and an idempotency scope of its own. Without the range every anonymous
	 * caller behind an ingress shared one budget (3 here, 10 a second by default).
	 */
	@Test
	void anonymousClientsBehindATrustedProxyHaveABudgetAndIdempotencyScopeOfTheirOwn() throws Exception {
		String first = forwardedAddress();
		String second = forwardedAddress();
		while (second.equals(first)) {
			second = forwardedAddress();
		}
		for (int i = 0; i < 3; i++) {
			assertThat(createFrom(first, "https://example.com/fwd/" + i, null).statusCode()).isEqualTo(201);
		}
		assertThat(createFrom(first, "https://example.com/fwd/4", null).statusCode()).isEqualTo(429);
		// a client naming another address to the left of the proxy's is not believed
		assertThat(createFrom("198.51.100.1, " + first, "https://example.com/fwd/5", null).statusCode()).isEqualTo(429);
		String key = UUID.randomUUID().toString();
		HttpResponse<String> secondsLink = createFrom(second, "https://example.com/fwd/keyed", key);
		assertThat(secondsLink.statusCode()).isEqualTo(201);
		assertThat(createFrom(second, "https://example.com/fwd/keyed", key).body()).as("replayed for the same client")
			.isEqualTo(secondsLink.body());
		Thread.sleep(1100);
		HttpResponse<String> anothers = createFrom(first, "https://example.com/fwd/keyed", key);
		assertThat(anothers.statusCode()).isEqualTo(201);
		assertThat(JsonPath.<String>read(anothers.body(), "$.code")).as("the same key from another client")
			.isNotEqualTo(JsonPath.<String>read(secondsLink.body(), "$.code"));
	}

	private static String forwardedAddress() {
		return "203.0." + ThreadLocalRandom.current().nextInt(256) + "." + ThreadLocalRandom.current().nextInt(256);
	}

	private HttpResponse<String> createFrom(String forwardedFor, String url, String idempotencyKey) throws Exception {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + "/api/v1/urls"))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json")
			.header("X-Forwarded-For", forwardedFor)
			.POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + url + "\"}"));
		if (idempotencyKey != null) {
			request.header("Idempotency-Key", idempotencyKey);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
