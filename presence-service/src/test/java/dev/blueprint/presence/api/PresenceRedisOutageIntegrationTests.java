package dev.blueprint.presence.api;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.presence.support.PresenceIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettucePoolingClientConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis failing under the running service, for real: the build's Redis stopped, and the
 * application's own connection pool emptied. Every API call that reads or writes presence
 * (all through pipelines) answers 503 problem+json with {@code Retry-After} instead of
 * 500 or a wait without end; readiness is DOWN with the {@code redis} component and the
 * 503s are counted in {@code http_server_requests}; once Redis is back the same calls
 * answer again without a restart. Each test gives back what it took (Redis restarted in
 * {@code finally}, connections returned): the other test classes share the servers and
 * this application context.
 */
class PresenceRedisOutageIntegrationTests extends PresenceIntegrationTest {

	@Autowired
	LettuceConnectionFactory connectionFactory;

	@Test
	void redisDownIsA503WithRetryAfterOnEveryCallAndTheCallsWorkAgainOnceItIsBack() throws Exception {
		String alice = unique("alice");
		String bob = unique("bob");
		conversations.conversation(alice, bob);
		List<Call> calls = calls(bob);
		for (Call call : calls) {
			HttpResponse<String> response = send(call, alice);
			assertThat(response.statusCode()).as(call + ": " + response.body()).isEqualTo(200);
		}
		Map<Call, Double> unavailableBefore = unavailableCounts(calls);
		TestInfrastructure.stopServer("redis");
		try {
			for (Call call : calls) {
				assertUnavailable(call.toString(), send(call, alice));
			}
			HttpResponse<String> readiness = request(null, "GET", "/actuator/health/readiness", null);
			assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(503);
			assertThat(JsonPath.<String>read(readiness.body(), "$.components.redis.status")).isEqualTo("DOWN");
			Map<Call, Double> unavailableAfter = unavailableCounts(calls);
			for (Call call : calls) {
				assertThat(unavailableAfter.get(call)).as("503s counted for " + call)
					.isGreaterThan(unavailableBefore.get(call));
			}
		}
		finally {
			TestInfrastructure.startServer("redis");
		}
		// Lettuce reconnects every second (platform-starter), the pooled connections too
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
			HttpResponse<String> readiness = request(null, "GET", "/actuator/health/readiness", null);
			assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
			for (Call call : calls) {
				HttpResponse<String> response = send(call, alice);
				assertThat(response.statusCode()).as(call + ": " + response.body()).isEqualTo(200);
			}
		});
	}

	@Test
	void aRequestThatGetsNoPooledConnectionWithinMaxWaitIsA503() throws Exception {
		assertThat(this.connectionFactory.getClientConfiguration()).isInstanceOfSatisfying(
				LettucePoolingClientConfiguration.class,
				(pooling) -> assertThat(pooling.getPoolConfig().getMaxWaitDuration()).isEqualTo(Duration.ofSeconds(2)));
		String erin = unique("erin");
		assertThat(request(erin, "GET", "/api/v1/presence/me", null).statusCode()).isEqualTo(200);
		List<RedisConnection> held = new ArrayList<>();
		try {
			takeEveryFreeConnection(held);
			// Again: a sweep may have had one for a moment during the first pass.
			takeEveryFreeConnection(held);
			long start = System.nanoTime();
			HttpResponse<String> starved = request(erin, "GET", "/api/v1/presence/me", null);
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertUnavailable("GET /me without a free connection", starved);
			// max-wait for the pipeline's command, then again as it closes
			assertThat(took).isLessThan(Duration.ofSeconds(9));
		}
		finally {
			giveBack(held);
		}
		assertThat(request(erin, "GET", "/api/v1/presence/me", null).statusCode()).isEqualTo(200);
	}

	/**
	 * Borrows the pool's connections until it has none left: a pipelined command takes
	 * one and keeps it until the pipeline closes. The borrow that finds none fails after
	 * max-wait, as the application's own do.
	 */
	private void takeEveryFreeConnection(List<RedisConnection> held) {
		for (int i = 0; i < 64; i++) {
			RedisConnection connection = null;
			try {
				// Taking the connection may borrow already, or the first pipelined
				// command.
				connection = this.connectionFactory.getConnection();
				connection.openPipeline();
				connection.ping();
			}
			catch (DataAccessException ex) {
				assertThat(ex).hasRootCauseInstanceOf(NoSuchElementException.class);
				if (connection != null) {
					connection.close();
				}
				return;
			}
			held.add(connection);
		}
		throw new AssertionError("The connection pool never ran out: is its max-active bounded?");
	}

	private static void giveBack(List<RedisConnection> held) {
		for (RedisConnection connection : held) {
			try {
				connection.closePipeline();
			}
			catch (RuntimeException ex) {
				// the pings' answers do not matter, returning every connection does
			}
			finally {
				connection.close();
			}
		}
	}

	/**
	 * A call of the API that reads Redis through pipelines (and, for the PUT, writes it).
	 *
	 * @param method the HTTP method
	 * @param uri the path template, as {@code http_server_requests} tags it
	 * @param path the path
	 * @param body the body, or {@code null}
	 */
	private record Call(String method, String uri, String path, String body) {

		@Override
		public String toString() {
			return this.method + " " + this.uri;
		}

	}

	private static List<Call> calls(String contact) {
		String presence = "/api/v1/presence/";
		return List.of(new Call("GET", presence + "{userId}", presence + contact, null),
				new Call("POST", presence + "query", presence + "query", "{\"userIds\":[\"" + contact + "\"]}"),
				new Call("GET", presence + "me", presence + "me", null),
				new Call("PUT", presence + "me", presence + "me", "{\"status\":\"away\"}"));
	}

	private HttpResponse<String> send(Call call, String caller) throws Exception {
		// A user of its own for each choice: every PUT counts against presence-update's
		// burst.
		String user = call.method().equals("PUT") ? unique("carol") : caller;
		return request(user, call.method(), call.path(), call.body());
	}

	private static void assertUnavailable(String description, HttpResponse<String> response) {
		assertThat(response.statusCode()).as(description + ": " + response.body()).isEqualTo(503);
		assertThat(response.headers().firstValue("Content-Type")).as(description)
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(response.headers().firstValue("Retry-After")).as(description).hasValue("5");
		assertThat(JsonPath.<Integer>read(response.body(), "$.status")).as(description).isEqualTo(503);
	}

	/** The 503s {@code http_server_requests} has counted for each call so far. */
	private Map<Call, Double> unavailableCounts(List<Call> calls) throws Exception {
		HttpResponse<String> scrape = request(null, "GET", "/actuator/prometheus", null);
		assertThat(scrape.statusCode()).isEqualTo(200);
		Map<Call, Double> counts = new LinkedHashMap<>();
		for (Call call : calls) {
			Matcher series = unavailableSeries(call).matcher(scrape.body());
			double count = 0;
			while (series.find()) {
				count += Double.parseDouble(series.group(1));
			}
			counts.put(call, count);
		}
		return counts;
	}

	/** The call's 503 series; their labels in any order (and the uri has braces). */
	private static Pattern unavailableSeries(Call call) {
		String labels = label("method", call.method()) + label("status", "503") + label("uri", call.uri());
		return Pattern.compile("^http_server_requests_seconds_count\\{" + labels + "[^\\n]*\\} (\\S+)",
				Pattern.MULTILINE);
	}

	private static String label(String name, String value) {
		return "(?=[^\\n]*" + name + "=\"" + Pattern.quote(value) + "\")";
	}

}
