package dev.blueprint.shortener.failures;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.blueprint.shortener.cache.InvalidationSubscription;
import dev.blueprint.shortener.cache.LinkResolver;
import dev.blueprint.shortener.support.ShortenerIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stops (or freezes) the real Redis or Cassandra under the running service. Each test
 * restarts what it stopped in {@code finally}: the other test classes share these
 * servers.
 */
class FailureModesIntegrationTests extends ShortenerIntegrationTest {

	@Autowired
	LinkResolver resolver;

	@Autowired
	CircuitBreakerRegistry breakers;

	@Autowired
	StringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	@Test
	void redisDownRedirectsFromCassandraBehindAnOpenBreakerAndRecovers() throws Exception {
		String code = create("https://example.com/without-redis");
		CircuitBreaker breaker = this.breakers.circuitBreaker("redis");
		TestInfrastructure.stopServer("redis");
		try {
			// the breaker's window (20 calls, 50 %) still holds earlier successes
			for (int i = 0; i < 40 && breaker.getState() != CircuitBreaker.State.OPEN; i++) {
				assertRedirectsFromCassandra(code);
			}
			assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
			for (int i = 0; i < 10; i++) {
				long start = System.nanoTime();
				assertRedirectsFromCassandra(code);
				// open breaker: no call to Redis, no waiting for a timeout
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
			}
			HttpResponse<String> health = get("/actuator/health");
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(json(health, "$.status").toString()).isEqualTo("DEGRADED");
			assertThat(json(health, "$.components.redis.status").toString()).isEqualTo("DEGRADED");
			assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
			// creates do not need Redis
			assertThat(postJson("{\"url\":\"https://example.com/created-without-redis\"}").statusCode()).isEqualTo(201);
		}
		finally {
			TestInfrastructure.startServer("redis");
		}
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
			this.resolver.evictLocally(code);
			assertThat(get("/" + code).statusCode()).isEqualTo(302);
			assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
			assertThat(json(get("/actuator/health"), "$.components.redis.status").toString()).isEqualTo("UP");
		});
		// Redis lost its data on restart; it is filled again by the redirect path
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			this.resolver.evictLocally(code);
			get("/" + code);
			assertThat(this.redis.hasKey("shortener:{" + code + "}:link")).isTrue();
		});
	}

	@Test
	void startsWhileRedisIsDownAndSubscribesToInvalidationsWhenItReturns() throws Exception {
		String owner = unique("owner");
		String code = create("https://example.com/started-without-redis", "Authorization", TestTokens.bearer(owner));
		TestInfrastructure.stopServer("redis");
		ConfigurableApplicationContext second = null;
		try {
			// a near-cache that only an invalidation message can clear within the test
			second = secondInstance("shortener.cache.near-ttl=10m");
			int port = second.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			HttpResponse<String> redirect = this.http.send(
					HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/" + code)).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(redirect.statusCode()).isEqualTo(302);
			assertThat(second.getBean(InvalidationSubscription.class).isSubscribed()).isFalse();
			TestInfrastructure.startServer("redis");
			InvalidationSubscription subscription = second.getBean(InvalidationSubscription.class);
			await().atMost(Duration.ofSeconds(20)).until(subscription::isSubscribed);
			// deletes published while it was not listening are unknown to it: the
			// subscription emptied its near-cache, so the next redirect looks further
			Counter nearMisses = second.getBean(MeterRegistry.class)
				.get("blueprint.shortener.cache.lookups")
				.tags("layer", "near", "result", "miss")
				.counter();
			double missesBefore = nearMisses.count();
			assertThat(this.http
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/" + code)).build(),
						HttpResponse.BodyHandlers.ofString())
				.statusCode()).isEqualTo(302);
			assertThat(nearMisses.count()).isEqualTo(missesBefore + 1);
			// the delete on this instance reaches the second one's near-cache through
			// Redis
			await().atMost(Duration.ofSeconds(20))
				.ignoreExceptions()
				.until(() -> delete("/api/v1/urls/" + code, "Authorization", TestTokens.bearer(owner))
					.statusCode() != 503);
			await().atMost(Duration.ofSeconds(5))
				.until(() -> this.http
					.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/" + code)).build(),
							HttpResponse.BodyHandlers.ofString())
					.statusCode() == 404);
		}
		finally {
			TestInfrastructure.startServer("redis");
			if (second != null) {
				second.close();
			}
		}
	}

	private void assertRedirectsFromCassandra(String code) throws Exception {
		this.resolver.evictLocally(code);
		HttpResponse<String> redirect = get("/" + code);
		assertThat(redirect.statusCode()).isEqualTo(302);
		assertThat(redirect.headers().firstValue("Location")).hasValue("https://example.com/without-redis");
	}

	/**
	 * A hung Cassandra (frozen: connections open, nothing answered) costs an uncached
	 * redirect the store's read timeout (2 s), then a 503; it held the request's thread
	 * for the session's 10 s before. Five such misses open the {@code cassandra} circuit
	 * breaker: the next miss is a 503 at once. Cached links go on redirecting, and once
	 * Cassandra answers again the breaker closes.
	 */
	@Test
	void aHungCassandraAnswersAnUncachedRedirectWithA503AfterTheReadTimeout() throws Exception {
		await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> this.redis.hasKey("any") != null);
		CircuitBreaker breaker = this.breakers.circuitBreaker("cassandra");
		String cached = create("https://example.com/cached-while-hung");
		List<String> uncached = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			String code = create("https://example.com/uncached-while-hung-" + i);
			this.redis.delete("shortener:{" + code + "}:link");
			this.resolver.evictLocally(code);
			uncached.add(code);
		}
		// the creates were calls through the breaker too: start from an empty window
		breaker.reset();
		TestInfrastructure.freezeServer("cassandra");
		try {
			this.resolver.evictLocally(cached);
			long start = System.nanoTime();
			HttpResponse<String> redirect = get("/" + cached);
			assertThat(redirect.statusCode()).isEqualTo(302);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("from Redis").isLessThan(Duration.ofSeconds(1));

			for (String code : uncached.subList(0, 5)) {
				start = System.nanoTime();
				HttpResponse<String> miss = get("/" + code);
				Duration took = Duration.ofNanos(System.nanoTime() - start);
				assertThat(miss.statusCode()).isEqualTo(503);
				assertThat(miss.headers().firstValue("Retry-After")).hasValue("5");
				assertThat(took).as("waited for the read, then gave up at its timeout")
					.isGreaterThanOrEqualTo(Duration.ofMillis(1900))
					.isLessThan(Duration.ofSeconds(5));
			}
			assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
			start = System.nanoTime();
			HttpResponse<String> shed = get("/" + uncached.get(5));
			assertThat(shed.statusCode()).isEqualTo(503);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the open breaker does not wait")
				.isLessThan(Duration.ofMillis(500));
		}
		finally {
			TestInfrastructure.thawServer("cassandra");
		}
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			for (String code : uncached) {
				assertThat(get("/" + code).statusCode()).isEqualTo(302);
			}
			assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		});
	}

	/**
	 * Writes go through the same {@code cassandra} breaker: five creates that hang on a
	 * frozen Cassandra (each a 503 after the driver's 10 s) open it, and from then on a
	 * create, a create with an alias, a delete, a lookup and a listing are each a 503 at
	 * once, sent nowhere: once Cassandra answers, the link refused a delete is still
	 * there and the alias refused a create is free. Before, each of them held its thread
	 * for the driver's timeout (10 s for a write, 2 s for a read).
	 */
	@Test
	void aHungCassandraOpensTheBreakerThroughWritesAndThenRefusesEveryCallAtOnce() throws Exception {
		await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> this.redis.hasKey("any") != null);
		CircuitBreaker breaker = this.breakers.circuitBreaker("cassandra");
		breaker.reset();
		String owner = unique("hung-writer");
		String auth = TestTokens.bearer(owner);
		String kept = create("https://example.com/kept-while-hung", "Authorization", auth);
		String alias = unique("hung-alias");
		TestInfrastructure.freezeServer("cassandra");
		try {
			List<CompletableFuture<HttpResponse<String>>> hung = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				hung.add(this.http.sendAsync(createRequest("{\"url\":\"https://example.com/hung-" + i + "\"}"),
						HttpResponse.BodyHandlers.ofString()));
			}
			for (CompletableFuture<HttpResponse<String>> create : hung) {
				HttpResponse<String> response = create.get(30, TimeUnit.SECONDS);
				assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
			}
			assertThat(breaker.getState()).as("opened by writes alone").isEqualTo(CircuitBreaker.State.OPEN);

			List<HttpResponse<String>> refused = new ArrayList<>();
			long start = System.nanoTime();
			refused.add(postJson("{\"url\":\"https://example.com/refused\"}", "Authorization", auth));
			refused.add(postJson("{\"url\":\"https://example.com/refused\",\"alias\":\"" + alias + "\"}",
					"Authorization", auth));
			refused.add(delete("/api/v1/urls/" + kept, "Authorization", auth));
			refused.add(get("/api/v1/urls/" + kept, "Authorization", auth));
			refused.add(get("/api/v1/urls?owner=me", "Authorization", auth));
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			for (HttpResponse<String> response : refused) {
				assertThat(response.statusCode()).as(response.uri() + " " + response.body()).isEqualTo(503);
				assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
				assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			}
			assertThat(took).as("five calls refused by the open breaker, none waiting for Cassandra")
				.isLessThan(Duration.ofSeconds(1));
			assertThat(json(get("/actuator/health", "Authorization", TestTokens.bearer("operator")),
					"$.components.cassandra.details.circuitBreaker")
				.toString()).isIn("OPEN", "HALF_OPEN");
		}
		finally {
			TestInfrastructure.thawServer("cassandra");
		}
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			HttpResponse<String> claimed = postJson(
					"{\"url\":\"https://example.com/after\",\"alias\":\"" + alias + "\"}", "Authorization", auth);
			assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(201);
		});
		// three calls in half-open close the breaker
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			assertThat(get("/api/v1/urls/" + kept, "Authorization", auth).statusCode()).isEqualTo(200);
			assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		});
	}

	private HttpRequest createRequest(String json) {
		return HttpRequest.newBuilder(uri("/api/v1/urls"))
			.timeout(Duration.ofSeconds(30))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build();
	}

	@Test
	void cassandraDownServesCachedRedirectsRefusesCreatesWith503AndRecovers() throws Exception {
		// a previous test may have restarted Redis a moment ago
		await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> this.redis.hasKey("any") != null);
		String cached = create("https://example.com/cached");
		String uncached = create("https://example.com/uncached");
		this.redis.delete("shortener:{" + uncached + "}:link");
		this.resolver.evictLocally(uncached);
		String alias = unique("during-outage");
		String createWithAlias = "{\"url\":\"https://example.com/retry\",\"alias\":\"" + alias + "\"}";
		String key = unique("key");
		TestInfrastructure.stopServer("cassandra");
		try {
			this.resolver.evictLocally(cached);
			HttpResponse<String> redirect = get("/" + cached);
			assertThat(redirect.statusCode()).isEqualTo(302);
			assertThat(redirect.headers().firstValue("Location")).hasValue("https://example.com/cached");

			HttpResponse<String> miss = get("/" + uncached);
			assertThat(miss.statusCode()).isEqualTo(503);
			assertThat(miss.headers().firstValue("Retry-After")).hasValue("5");

			HttpResponse<String> generated = postJson("{\"url\":\"https://example.com/new\"}");
			assertThat(generated.statusCode()).isEqualTo(503);
			assertThat(generated.headers().firstValue("Retry-After")).hasValue("5");
			assertThat(generated.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			HttpResponse<String> withAlias = postJson(createWithAlias, "Idempotency-Key", key);
			assertThat(withAlias.statusCode()).isEqualTo(503);

			HttpResponse<String> health = get("/actuator/health");
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(json(health, "$.components.cassandra.status").toString()).isEqualTo("DEGRADED");
		}
		finally {
			TestInfrastructure.startServer("cassandra");
		}
		// nothing was half-written: the same request now succeeds, alias and key free
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
			HttpResponse<String> retried = postJson(createWithAlias, "Idempotency-Key", key);
			assertThat(retried.statusCode()).as(retried.body()).isEqualTo(201);
		});
		assertThat(get("/" + uncached).statusCode()).isEqualTo(302);
		assertThat(get("/" + alias).statusCode()).isEqualTo(302);
		assertThat(json(get("/actuator/health"), "$.components.cassandra.status").toString()).isEqualTo("UP");
	}

}
