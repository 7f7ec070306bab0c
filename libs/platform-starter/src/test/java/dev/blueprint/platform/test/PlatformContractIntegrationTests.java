package dev.blueprint.platform.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every Blueprint service promises operations and clients, checked against the
 * running service and its real servers: health (with the servers it depends on), probes,
 * Prometheus scrape, and JWT bearer authentication with RFC 9457 errors.
 * <p>
 * A service extends this with its dependencies' health component names and annotates the
 * subclass with {@code @RealInfrastructure}, which starts the servers and sets the JWT
 * key that {@link TestTokens} signs with.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureMetrics
public abstract class PlatformContractIntegrationTests {

	private static final String PROTECTED_PATH = "/api/v1/does-not-exist";

	private final List<String> healthComponents;

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	/**
	 * @param healthComponents the health components of the servers the service depends on
	 * (such as {@code redis}, {@code cassandra}, {@code kafka}); each must be UP in the
	 * overall health and in the readiness group
	 */
	protected PlatformContractIntegrationTests(String... healthComponents) {
		this.healthComponents = List.of(healthComponents);
	}

	@Test
	void healthIsUpWithEveryServerTheServiceNeeds() throws Exception {
		HttpResponse<String> response = get("/actuator/health", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<String>read(response.body(), "$.status")).isEqualTo("UP");
		for (String component : this.healthComponents) {
			assertThat(JsonPath.<String>read(response.body(), "$.components." + component + ".status")).as(component)
				.isEqualTo("UP");
		}
		if (this.healthComponents.contains("kafka")) {
			assertThat(JsonPath.<String>read(response.body(), "$.components.kafka.details.clusterId")).isNotBlank();
			assertThat(JsonPath.<Integer>read(response.body(), "$.components.kafka.details.nodes")).isPositive();
		}
	}

	@Test
	void readinessDependsOnTheServers() throws Exception {
		HttpResponse<String> response = get("/actuator/health/readiness", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<String>read(response.body(), "$.status")).isEqualTo("UP");
		assertThat(JsonPath.<Map<String, Object>>read(response.body(), "$.components").keySet())
			.containsAll(readinessComponents())
			.contains("readinessState");
	}

	/**
	 * The components the readiness group must include: by default every server the
	 * service needs. A service that keeps answering while a server is down (by a stated
	 * fallback) names the component that reports that state instead.
	 * @return the readiness components besides {@code readinessState}
	 */
	protected List<String> readinessComponents() {
		return this.healthComponents;
	}

	@Test
	void livenessIgnoresTheServers() throws Exception {
		HttpResponse<String> response = get("/actuator/health/liveness", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Map<String, Object>>read(response.body(), "$.components").keySet())
			.containsExactly("livenessState");
	}

	@Test
	void prometheusCanScrapeWithoutToken() throws Exception {
		HttpResponse<String> response = get("/actuator/prometheus", null);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((contentType) -> assertThat(contentType).startsWith("text/plain"));
		assertThat(response.body()).contains("jvm_memory_used_bytes", "process_uptime_seconds");
	}

	@Test
	void requestWithoutTokenIsRejectedWithProblemDocument() throws Exception {
		HttpResponse<String> response = get(PROTECTED_PATH, null);

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.headers().firstValue("WWW-Authenticate"))
			.hasValueSatisfying((challenge) -> assertThat(challenge).startsWith("Bearer"));
		assertThat(JsonPath.<Integer>read(response.body(), "$.status")).isEqualTo(401);
		assertThat(JsonPath.<String>read(response.body(), "$.instance")).isEqualTo(PROTECTED_PATH);
	}

	@Test
	void requestWithValidTokenIsAuthenticated() throws Exception {
		HttpResponse<String> response = get(PROTECTED_PATH, TestTokens.bearer("alice"));

		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	@Test
	void tamperedTokenIsRejected() throws Exception {
		assertRejected("Bearer " + TestTokens.tampered("alice"), "Invalid signature");
	}

	@Test
	void tokenSignedWithAnotherKeyIsRejected() throws Exception {
		assertRejected("Bearer " + TestTokens.foreign("alice"), "Invalid signature");
	}

	@Test
	void expiredTokenIsRejected() throws Exception {
		assertRejected("Bearer " + TestTokens.expired("alice"), "expired");
	}

	private void assertRejected(String authorization, String reason) throws Exception {
		HttpResponse<String> response = get(PROTECTED_PATH, authorization);

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(JsonPath.<String>read(response.body(), "$.detail")).contains(reason);
	}

	/**
	 * Sends a GET to the running service.
	 * @param path the path
	 * @param authorization the {@code Authorization} header value, or {@code null}
	 * @return the response
	 */
	protected HttpResponse<String> get(String path, String authorization) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
