package dev.blueprint.shortener.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import com.datastax.oss.driver.api.core.CqlSession;
import com.jayway.jsonpath.JsonPath;
import dev.blueprint.shortener.UrlShortenerApplication;
import dev.blueprint.testsupport.RealInfrastructure;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.StandardEnvironment;

/**
 * Base of the service's integration tests: the whole application on a random port against
 * the build's real Redis and Cassandra. Every subclass shares one Spring context (same
 * configuration), so the schema migration and connections happen once per test JVM. Tests
 * isolate their data by using fresh codes and users rather than truncating.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "shortener.links.expired-retention=3s", "shortener.public-base-url=https://sho.rt",
				"shortener.benchmark-endpoint=true",
				// ClickRollupIntegrationTests runs rollups itself; a scheduled one would
				// race it
				"shortener.clicks.rollup-interval=1h",
				// Many creates come from one address here;
				// CreateRateLimitIntegrationTests proves the limit.
				"SHORTENER_CREATE_LIMIT_PER_SECOND=1000000", "SHORTENER_CREATE_LIMIT_PER_HOUR=100000000" })
@AutoConfigureMetrics
@RealInfrastructure
public abstract class ShortenerIntegrationTest {

	protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	protected int port;

	@Autowired
	protected CqlSession session;

	@Autowired
	private ConfigurableEnvironment environment;

	/**
	 * Another instance of the service on the same Redis and Cassandra, with its own port
	 * and {@code properties}; the caller closes it.
	 */
	protected ConfigurableApplicationContext secondInstance(String... properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(this.environment.getPropertySources().get("blueprintRealInfrastructure"));
		return new SpringApplicationBuilder(UrlShortenerApplication.class).environment(environment)
			.properties("server.port=0", "shortener.public-base-url=https://sho.rt")
			.properties(properties)
			.run();
	}

	protected static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	protected URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	protected HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET();
		if (headers.length > 0) {
			request.headers(headers);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	protected HttpResponse<String> delete(String path, String... headers) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).DELETE();
		if (headers.length > 0) {
			request.headers(headers);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	protected HttpResponse<String> postJson(String json, String... headers) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri("/api/v1/urls"))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json));
		if (headers.length > 0) {
			request.headers(headers);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Creates a link for {@code url} and returns its code. */
	protected String create(String url, String... headers) throws IOException, InterruptedException {
		HttpResponse<String> response = postJson("{\"url\":\"" + url + "\"}", headers);
		if (response.statusCode() != 201) {
			throw new AssertionError("create failed: " + response.statusCode() + " " + response.body());
		}
		return JsonPath.read(response.body(), "$.code");
	}

	protected static <T> T json(HttpResponse<String> response, String path) {
		return JsonPath.read(response.body(), path);
	}

}
