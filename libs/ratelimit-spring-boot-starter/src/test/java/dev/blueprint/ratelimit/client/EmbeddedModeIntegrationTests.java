package dev.blueprint.ratelimit.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ThreadLocalRandom;

import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter in embedded mode against a real Redis: {@code @RateLimited} and the filter
 * enforce their rules per client IP (X-Forwarded-For from a trusted proxy), with the
 * service's headers and a problem+json 429, in the same keys the service uses.
 */
@RealInfrastructure
@SpringBootTest(classes = TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class EmbeddedModeIntegrationTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	private final String ip = "203.0.113." + ThreadLocalRandom.current().nextInt(1, 255) + "-" + System.nanoTime();

	@Test
	void annotatedHandlersAreLimitedPerClient() throws Exception {
		HttpResponse<String> first = send("POST", "/things", this.ip);
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"create\";q=2;w=3600");
		assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
		assertThat(send("POST", "/things", this.ip).statusCode()).isEqualTo(200);

		HttpResponse<String> denied = send("POST", "/things", this.ip);
		assertThat(denied.statusCode()).isEqualTo(429);
		assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(denied.headers().firstValue("Retry-After")).isPresent();
		assertThat(denied.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> assertThat(value).startsWith("\"create\";r=0;t="));
		assertThat(denied.body()).contains("\"status\":429", "\"rule\":\"create\"");

		assertThat(send("POST", "/things", this.ip + "-other").statusCode()).as("another client").isEqualTo(200);
		assertThat(sharedKeyExists("rl:{create:ip:" + this.ip + "}:4-2-3600000")).isTrue();
	}

	@Test
	void theFilterLimitsPathPatterns() throws Exception {
		for (int i = 0; i < 3; i++) {
			assertThat(send("GET", "/browse/" + i, this.ip).statusCode()).isEqualTo(200);
		}
		assertThat(send("GET", "/browse/4", this.ip).statusCode()).isEqualTo(429);
	}

	private HttpResponse<String> send(String method, String path, String clientIp) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.header("X-Forwarded-For", clientIp)
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private static boolean sharedKeyExists(String key) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", TestInfrastructure.local().redisPort()));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return connection.sync().exists(key) == 1;
		}
		finally {
			client.shutdown();
		}
	}

}
