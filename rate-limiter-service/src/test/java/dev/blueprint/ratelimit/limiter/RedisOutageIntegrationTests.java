package dev.blueprint.ratelimit.limiter;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.ratelimit.check.ApiClient;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import org.junit.jupiter.api.Test;

import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stops the real Redis while requests flow: every rule's failure policy decides within a
 * second, nothing waits on a timeout, health shows DEGRADED and a metric counts the
 * fallback decisions; once Redis is back, decisions are exact again without a restart.
 * Redis is started again (empty) before the test ends: the tests that run after it (the
 * order is alphabetical) find it running.
 */
@RealInfrastructure
@AutoConfigureMetrics
@DirtiesContext
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.config.import=classpath:rules/test-rules.yaml", "blueprint.ratelimit.admins=admin" })
class RedisOutageIntegrationTests {

	@LocalServerPort
	private int port;

	@Test
	void failurePoliciesApplyWhileRedisIsDownAndExactDecisionsReturnAfter() throws Exception {
		ApiClient api = new ApiClient(this.port);
		String run = UUID.randomUUID().toString();
		assertThat(statuses(api, "open", run + "-before", 3)).isEqualTo("200 200 429");

		AtomicBoolean traffic = new AtomicBoolean(true);
		AtomicLong slowest = new AtomicLong();
		Map<Integer, Integer> trafficStatuses = new ConcurrentHashMap<>();
		Thread background = new Thread(() -> {
			while (traffic.get()) {
				long start = System.nanoTime();
				int status = api.check("local", run + "-traffic").statusCode();
				slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
				trafficStatuses.merge(status, 1, Integer::sum);
			}
		});
		background.start();
		try {
			TestInfrastructure.stopServer("redis");
			long stopped = System.nanoTime();
			try {
				assertThat(statuses(api, "open", run + "-down", 4)).as("fail-open admits beyond the limit")
					.isEqualTo("200 200 200 200");
				HttpResponse<String> open = api.check("open", run + "-down");
				assertThat(open.headers().firstValue("RateLimit"))
					.as("a fail-open admission counted nothing: no quota to report")
					.isEmpty();
				assertThat(JsonPath.<Map<String, Object>>read(open.body(), "$")).as("nor in the body")
					.doesNotContainKeys("remaining", "resetSeconds")
					.containsKey("retryAfterSeconds");
				assertThat(JsonPath.<Map<String, Object>>read(open.body(), "$.limits[0]"))
					.doesNotContainKeys("remaining", "resetSeconds")
					.containsKey("capacity");
				assertThat(JsonPath.<Integer>read(open.body(), "$.limit")).as("the limit is still known").isPositive();
				HttpResponse<String> closed = api.check("closed", run + "-down");
				assertThat(closed.statusCode()).as("fail-closed denies").isEqualTo(429);
				assertThat(closed.headers().firstValue("Retry-After")).isPresent();
				assertThat(JsonPath.<Boolean>read(closed.body(), "$.degraded")).isTrue();
				assertThat(JsonPath.<Integer>read(closed.body(), "$.remaining")).as("a denial's quota is known: none")
					.isZero();
				assertThat(statuses(api, "local", run + "-down", 3)).as("local: limit 4 over 2 instances")
					.isEqualTo("200 200 429");
				assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(1));

				// DEGRADED from the first failed call; the breaker opens once it has seen
				// enough of them (5 in its 2 s window)
				awaitHealth(api, "DEGRADED", "OPEN", "HALF_OPEN");
				assertThat(api.get("/actuator/health/readiness").statusCode())
					.as("still ready: requests are answered by policy")
					.isEqualTo(200);
				HttpResponse<String> change = changeRules(
						"{\"rules\":[{\"name\":\"during-outage\",\"limits\":[{\"limit\":1,\"unit\":\"hour\"}]}]}");
				assertThat(change.statusCode()).as("a rule change cannot be stored: 503, not 500").isEqualTo(503);
				assertThat(change.headers().firstValue("Content-Type")).hasValue("application/problem+json");
				assertThat(change.headers().firstValue("Retry-After")).hasValue("5");
				assertThat(JsonPath.<String>read(change.body(), "$.title")).isEqualTo("Rule store unavailable");
				String metrics = api.get("/actuator/prometheus").body();
				assertThat(metrics).containsPattern(
						"blueprint_ratelimit_decisions_total\\{[^}]*outcome=\"fallback_allowed\",rule=\"open\"[^}]*} [4-9]");
				assertThat(metrics).containsPattern(
						"blueprint_ratelimit_decisions_total\\{[^}]*outcome=\"fallback_denied\",rule=\"closed\"[^}]*} [1-9]");
			}
			finally {
				TestInfrastructure.startServer("redis");
			}
			awaitHealth(api, "UP", "CLOSED");
		}
		finally {
			traffic.set(false);
			background.join();
		}
		assertThat(statuses(api, "local", run + "-after", 5)).as("exact again: limit 4 in Redis")
			.isEqualTo("200 200 200 200 429");
		HttpResponse<String> after = api.check("open", run + "-after2");
		assertThat(JsonPath.<Boolean>read(after.body(), "$.degraded")).isFalse();
		assertThat(Duration.ofNanos(slowest.get())).as("no request waited on Redis").isLessThan(Duration.ofSeconds(1));
		assertThat(trafficStatuses.keySet()).as("only decisions, never errors").isSubsetOf(200, 429);
	}

	private HttpResponse<String> changeRules(String body) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/api/v1/ratelimit/rules"))
				.timeout(Duration.ofSeconds(10))
				.header("Authorization", TestTokens.bearer("admin"))
				.header("Content-Type", "application/json")
				.PUT(HttpRequest.BodyPublishers.ofString(body))
				.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String statuses(ApiClient api, String rule, String subject, int requests) {
		StringBuilder statuses = new StringBuilder();
		for (int i = 0; i < requests; i++) {
			statuses.append(i > 0 ? " " : "").append(api.check(rule, subject).statusCode());
		}
		return statuses.toString();
	}

	private static String awaitHealth(ApiClient api, String status, String... breakerStates)
			throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		String health;
		do {
			// the breaker acts on calls: keep deciding while waiting
			api.check("open", "health-probe");
			health = api.get("/actuator/health").body();
			if (status.equals(JsonPath.read(health, "$.components.rateLimiter.status")) && List.of(breakerStates)
				.contains(JsonPath.<String>read(health, "$.components.rateLimiter.details.circuitBreaker"))) {
				return health;
			}
			Thread.sleep(100);
		}
		while (System.nanoTime() < deadline);
		throw new AssertionError("rateLimiter health never became " + status + " with the circuit breaker "
				+ String.join(" or ", breakerStates) + ": " + health);
	}

}
