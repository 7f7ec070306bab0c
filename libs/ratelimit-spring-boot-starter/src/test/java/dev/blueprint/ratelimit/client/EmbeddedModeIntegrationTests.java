package dev.blueprint.ratelimit.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
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

	private static final Duration PAUSE = Duration.ofSeconds(5);

	@LocalServerPort
	private int port;

	@Autowired
	private RateLimitDecider decider;

	@Autowired
	@Qualifier("rateLimitBreakerMetrics")
	private MeterBinder breakerMetrics;

	/**
	 * A client address of its own per test (and run): the documentation prefix
	 * 2001:db8::/32 with random last groups, in the form the limiter writes it.
	 */
	private final String ip = randomAddress();

	private final String otherIp = randomAddress();

	private static String randomAddress() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		return "2001:db8:0:0:" + Integer.toHexString(random.nextInt(1, 0x10000)) + ":"
				+ Integer.toHexString(random.nextInt(1, 0x10000)) + ":"
				+ Integer.toHexString(random.nextInt(1, 0x10000)) + ":"
				+ Integer.toHexString(random.nextInt(1, 0x10000));
	}

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

		assertThat(send("POST", "/things", this.otherIp).statusCode()).as("another client").isEqualTo(200);
		assertThat(sharedKeyExists("rl:{create:ip:" + this.ip + "}:4-2-3600000")).isTrue();
	}

	@Test
	void anAsyncHandlerIsChargedOnce() throws Exception {
		HttpResponse<String> first = send("POST", "/things/later", this.ip);
		assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
		assertThat(first.body()).isEqualTo("created");
		assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
		assertThat(send("POST", "/things/later", this.ip).statusCode()).as("the second of two").isEqualTo(200);
		assertThat(send("POST", "/things/later", this.ip).statusCode()).isEqualTo(429);
	}

	@Test
	void theFilterMatchesThePathAsItIsRoutedNotAsItIsEncoded() throws Exception {
		for (int i = 0; i < 3; i++) {
			assertThat(send("GET", "/%62rowse/" + i, this.ip).statusCode()).isEqualTo(200);
		}
		assertThat(send("GET", "/browse/4", this.ip).statusCode()).as("all four counted alike").isEqualTo(429);
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

	/**
	 * A hung Redis (scripts paused) costs a few decisions their timeout; then the breaker
	 * opens and decisions take the rule's policy (fail-open) at once, seen in
	 * Resilience4j's meters. Once Redis answers again, trial calls close it. Without the
	 * breaker each of the 40 requests waited out the 250 ms timeout.
	 */
	@Test
	void aHungRedisCostsAFewTimeoutsThenTheBreakerDecidesAtOnce() throws Exception {
		CircuitBreaker breaker = ((EmbeddedDecider) this.decider).circuitBreaker();
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		this.breakerMetrics.bindTo(meters);
		// what the other tests decided must not dilute the failure rate
		breaker.reset();
		assertThat(send("GET", "/lookup/warm", this.ip).statusCode()).isEqualTo(200);
		assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);

		long slow = 0;
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", TestInfrastructure.local().redisPort()));
		try (StatefulRedisConnection<String, String> pausing = client.connect();
				StatefulRedisConnection<String, String> unpausing = client.connect()) {
			// WRITE: scripts wait, reads and CLIENT UNPAUSE do not
			pausing.sync()
				.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
						new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(PAUSE.toMillis()).add("WRITE"));
			long pausedAt = System.nanoTime();
			try {
				for (int i = 0; i < 40; i++) {
					long start = System.nanoTime();
					HttpResponse<String> response = send("GET", "/lookup/" + i, this.ip);
					long took = System.nanoTime() - start;
					assertThat(response.statusCode()).as("fail-open while Redis hangs").isEqualTo(200);
					if (took >= Duration.ofMillis(200).toNanos()) {
						slow++;
					}
				}
				assertThat(System.nanoTime() - pausedAt).as("the requests ran while Redis was paused")
					.isLessThan(PAUSE.toNanos());
			}
			finally {
				// CLIENT UNPAUSE (Redis 6.2), which Lettuce has no method for
				unpausing.sync()
					.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
							new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
			}
		}
		finally {
			client.shutdown();
		}

		// 4 failures after the warm-up's success open it (5 calls, 80%); at most 3 trial
		// calls if a second passed
		assertThat(slow).as("decisions that waited for Redis").isBetween(4L, 10L);
		assertThat(breaker.getState()).isIn(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);
		assertThat(meters.get("resilience4j.circuitbreaker.not.permitted.calls")
			.tag("name", EmbeddedDecider.BREAKER)
			.counter()
			.count()).isGreaterThanOrEqualTo(30);

		Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			assertThat(send("GET", "/lookup/after", this.ip).statusCode()).isEqualTo(200);
			assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		});
		assertThat(meters.get("resilience4j.circuitbreaker.state")
			.tags("name", EmbeddedDecider.BREAKER, "state", "closed")
			.gauge()
			.value()).isEqualTo(1.0);
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
