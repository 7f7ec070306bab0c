package dev.blueprint.ratelimit.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
 * enforce their rules per client IP (X-Forwarded-For from a trusted proxy) or per user
 * signed in through Spring Security, with the service's headers and a problem+json 429,
 * in the same keys the service uses.
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

	@Test
	void theFilterLimitsEachSignedInUserApart() throws Exception {
		// both from one client address: only the user tells them apart
		String alice = "alice-" + System.nanoTime();
		String bob = "bob-" + System.nanoTime();
		assertThat(signedIn("/account/1", alice).statusCode()).isEqualTo(200);
		assertThat(signedIn("/account/2", alice).statusCode()).isEqualTo(200);
		assertThat(signedIn("/account/3", alice).statusCode()).isEqualTo(429);

		// Before Spring Security, the filter saw no user: everyone was
		// user:anonymous, and alice's burst denied bob too.
		HttpResponse<String> other = signedIn("/account/1", bob);
		assertThat(other.statusCode()).as("another user has a budget of their own").isEqualTo(200);
		assertThat(other.body()).isEqualTo(bob);
		assertThat(sharedKeyExists("rl:{per-user:user:" + alice + "}:4-2-3600000")).isTrue();
	}

	@Test
	void annotatedHandlersLimitEachSignedInUserApart() throws Exception {
		String carol = "carol-" + System.nanoTime();
		String dave = "dave-" + System.nanoTime();
		assertThat(signedIn("/profile", carol).statusCode()).isEqualTo(200);
		assertThat(signedIn("/profile", carol).statusCode()).isEqualTo(200);
		assertThat(signedIn("/profile", carol).statusCode()).isEqualTo(429);
		assertThat(signedIn("/profile", dave).statusCode()).isEqualTo(200);
	}

	private HttpResponse<String> send(String method, String path, String clientIp) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.header("X-Forwarded-For", clientIp)
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> signedIn(String path, String user) throws Exception {
		String credentials = Base64.getEncoder()
			.encodeToString((user + ":" + TestApplication.PASSWORD).getBytes(StandardCharsets.UTF_8));
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("X-Forwarded-For", this.ip)
			.header("Authorization", "Basic " + credentials)
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
