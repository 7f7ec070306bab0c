package dev.blueprint.ratelimit.rules;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.ratelimit.RateLimiterApplication;
import dev.blueprint.ratelimit.check.ApiClient;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rules changed through the admin API on one instance are in force on another instance
 * (its own JVM context, same Redis) within a second; an invalid change is rejected whole.
 */
@RealInfrastructure
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.config.import=classpath:rules/test-rules.yaml", "blueprint.ratelimit.admins=admin" })
class RuleAdminIntegrationTests {

	private static ConfigurableApplicationContext otherInstance;

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@org.springframework.beans.factory.annotation.Autowired
	private org.springframework.data.redis.core.StringRedisTemplate redis;

	private final String subject = "admin-test-" + UUID.randomUUID();

	/** The other instance is configured with no admins: the default. */
	@BeforeAll
	static void startAnotherInstance() {
		otherInstance = new SpringApplicationBuilder(RateLimiterApplication.class).run("--server.port=0",
				"--spring.config.import=classpath:rules/test-rules.yaml", "--spring.data.redis.host=127.0.0.1",
				"--spring.data.redis.port=" + TestInfrastructure.local().redisPort(),
				"--blueprint.security.jwt.hmac-secret=" + TestTokens.SECRET);
	}

	@AfterAll
	static void stopTheOtherInstance() {
		otherInstance.close();
	}

	@AfterEach
	void backToConfiguredRules() {
		send("DELETE", this.port, null, "admin");
	}

	@Test
	void aChangeOnOneInstanceIsInForceOnEveryInstanceWithinASecond() throws InterruptedException {
		ApiClient other = new ApiClient(otherPort());
		assertThat(other.check("runtime", this.subject).statusCode()).as("not configured").isEqualTo(400);

		HttpResponse<String> put = send("PUT", this.port, """
				{"rules":[{"name":"runtime","algorithm":"fixed-window","limits":[{"limit":1,"unit":"hour"}]}]}""",
				"admin");
		assertThat(put.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Integer>read(put.body(), "$.version")).isPositive();
		long changed = System.nanoTime();

		int status = awaitStatusOtherThan(other, "runtime", 400, Duration.ofSeconds(1));
		assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(1));
		assertThat(status).isEqualTo(200);
		assertThat(other.check("runtime", this.subject).statusCode()).isEqualTo(200);
		assertThat(other.check("runtime", this.subject).statusCode()).as("limit 1 per hour").isEqualTo(429);
		assertThat(other.check("tight", this.subject).statusCode()).as("the change replaced every rule").isEqualTo(400);

		assertThat(send("DELETE", this.port, null, "admin").statusCode()).isEqualTo(204);
		assertThat(awaitStatusOtherThan(other, "tight", 400, Duration.ofSeconds(1))).isEqualTo(200);
		assertThat(other.check("runtime", this.subject).statusCode()).isEqualTo(400);
	}

	/**
	 * A Redis restarted without its data counts versions from 1 again: a change can come
	 * with the number of the rules an instance has in force. It compared the number only,
	 * and kept the old rules until a later change.
	 */
	@Test
	void aChangeUnderTheVersionNumberInForceIsAppliedToo() throws InterruptedException {
		ApiClient other = new ApiClient(otherPort());
		HttpResponse<String> put = send("PUT", this.port, """
				{"rules":[{"name":"runtime","algorithm":"fixed-window","limits":[{"limit":1,"unit":"hour"}]}]}""",
				"admin");
		assertThat(put.statusCode()).isEqualTo(200);
		assertThat(awaitStatusOtherThan(other, "runtime", 400, Duration.ofSeconds(1))).isEqualTo(200);

		String stored = this.redis.opsForValue().get(RuleStore.KEY);
		assertThat(stored).contains("\"runtime\"");
		this.redis.opsForValue().set(RuleStore.KEY, stored.replace("\"runtime\"", "\"renamed\""));
		this.redis.convertAndSend(RuleStore.CHANNEL, "1");

		assertThat(awaitStatusOtherThan(other, "renamed", 400, Duration.ofSeconds(2))).isEqualTo(200);
		assertThat(other.check("runtime", this.subject).statusCode()).isEqualTo(400);
	}

	@Test
	void anInvalidChangeIsRejectedWhole() {
		HttpResponse<String> put = send("PUT", this.port, """
				{"rules":[{"name":"fine","limits":[{"limit":5,"unit":"second"}]},
				          {"name":"broken","limits":[{"limit":0,"unit":"second"}]}]}""", "admin");

		assertThat(put.statusCode()).isEqualTo(400);
		assertThat(put.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(JsonPath.<String>read(put.body(), "$.detail"))
			.isEqualTo("Invalid rate limit rule 'broken': limits[0].limit must be greater than 0, was 0");
		assertThat(JsonPath.<String>read(put.body(), "$.field")).isEqualTo("limits[0].limit");
		assertThat(JsonPath.<String>read(put.body(), "$.rule")).isEqualTo("'broken'");
		assertThat(JsonPath.<String>read(put.body(), "$.title")).isEqualTo("Invalid rate limit rules");
		assertThat(JsonPath.<String>read(put.body(), "$.instance")).isEqualTo("/api/v1/ratelimit/rules");
		ApiClient here = new ApiClient(this.port);
		assertThat(here.check("fine", this.subject).statusCode()).isEqualTo(400);
		assertThat(here.check("tight", this.subject).statusCode()).isEqualTo(200);
	}

	@Test
	void aChangeWithoutRulesIsRefusedInsteadOfRemovingEveryRule() {
		for (String body : List.of("{}", "{\"rules\":null}", "{\"rules\":[]}")) {
			HttpResponse<String> put = send("PUT", this.port, body, "admin");
			assertThat(put.statusCode()).as(body).isEqualTo(400);
			assertThat(put.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(JsonPath.<String>read(put.body(), "$.field")).isEqualTo("rules");
			assertThat(JsonPath.<String>read(put.body(), "$.title")).isEqualTo("Invalid rate limit rules");
			assertThat(JsonPath.<String>read(put.body(), "$.detail")).isEqualTo("rules must list at least one rule "
					+ "(a PUT replaces every rule; DELETE returns every instance to its configured rules)");
		}
		HttpResponse<String> typo = send("PUT", this.port, """
				{"rulez":[{"name":"runtime","limits":[{"limit":1,"unit":"hour"}]}]}""", "admin");
		assertThat(typo.statusCode()).isEqualTo(400);
		assertThat(JsonPath.<String>read(typo.body(), "$.field")).isEqualTo("rulez");
		assertThat(new ApiClient(this.port).check("tight", this.subject).statusCode()).as("nothing changed")
			.isEqualTo(200);
		assertThat(JsonPath.<Integer>read(send("GET", this.port, null, "admin").body(), "$.version")).isZero();
	}

	/**
	 * A field the API does not have is refused, not ignored: the YAML spelling
	 * {@code failure-policy} left a rule failing open, and a misspelt {@code shadow} made
	 * a rule meant to be tried deny real traffic, both answered with a 200.
	 */
	@Test
	void aMisspeltFieldIsRefusedNotIgnored() {
		for (String[] typo : new String[][] { { "\"failure-policy\":\"fail-closed\"", "rules[0].failure-policy" },
				{ "\"shadowMode\":true", "rules[0].shadowMode" },
				{ "\"limits\":[{\"limit\":1,\"unit\":\"hour\",\"burts\":5}],\"algorithm\":\"token-bucket\"",
						"rules[0].limits[0].burts" } }) {
			String rule = typo[0].startsWith("\"limits\"") ? "{\"name\":\"runtime\"," + typo[0] + "}"
					: "{\"name\":\"runtime\",\"limits\":[{\"limit\":1,\"unit\":\"hour\"}]," + typo[0] + "}";
			HttpResponse<String> put = send("PUT", this.port, "{\"rules\":[" + rule + "]}", "admin");
			assertThat(put.statusCode()).as(typo[0]).isEqualTo(400);
			assertThat(put.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(JsonPath.<String>read(put.body(), "$.field")).isEqualTo(typo[1]);
			assertThat(JsonPath.<String>read(put.body(), "$.detail"))
				.startsWith(typo[1] + " is not a field of this request (its fields: ");
		}
		assertThat(JsonPath.<Integer>read(send("GET", this.port, null, "admin").body(), "$.version")).isZero();
		assertThat(this.redis.hasKey(RuleStore.KEY)).isFalse();
	}

	/**
	 * Concurrent changes: the rules in force (and stored) are those of the change
	 * answered with the highest version. As three commands (increment, store, announce),
	 * an older change could be stored last, its version below one already answered.
	 */
	@Test
	void concurrentChangesLeaveTheLastNumberedInForce() throws Exception {
		int changes = 16;
		ExecutorService callers = Executors.newFixedThreadPool(changes);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<HttpResponse<String>>> puts = new ArrayList<>();
			for (int i = 0; i < changes; i++) {
				String body = "{\"rules\":[{\"name\":\"change-" + i
						+ "\",\"limits\":[{\"limit\":1,\"unit\":\"hour\"}]}]}";
				puts.add(callers.submit(() -> {
					start.await();
					return send("PUT", this.port, body, "admin");
				}));
			}
			start.countDown();
			long highest = 0;
			String lastName = null;
			for (Future<HttpResponse<String>> put : puts) {
				HttpResponse<String> response = put.get();
				assertThat(response.statusCode()).isEqualTo(200);
				long version = JsonPath.<Number>read(response.body(), "$.version").longValue();
				if (version > highest) {
					highest = version;
					lastName = JsonPath.read(response.body(), "$.rules[0].name");
				}
			}
			String stored = this.redis.opsForValue().get(RuleStore.KEY);
			assertThat(JsonPath.<Number>read(stored, "$.version").longValue()).isEqualTo(highest);
			assertThat(JsonPath.<String>read(stored, "$.rules[0].name")).isEqualTo(lastName);
			ApiClient other = new ApiClient(otherPort());
			assertThat(awaitStatusOtherThan(other, lastName, 400, Duration.ofSeconds(2))).isEqualTo(200);
		}
		finally {
			callers.shutdownNow();
		}
	}

	/**
	 * Rules stored before the keys had a hash tag stay in force after an upgrade, and a
	 * {@code DELETE} removes them too (left, they would be in force again).
	 */
	@Test
	void rulesUnderTheFormerKeyStayInForceUntilDeleted() throws InterruptedException {
		this.redis.opsForValue()
			.set(RuleStore.LEGACY_KEY,
					"{\"version\":7,\"rules\":[{\"name\":\"legacy\",\"limits\":[{\"limit\":1,\"unit\":\"hour\"}]}]}");
		this.redis.convertAndSend(RuleStore.CHANNEL, "7");
		ApiClient other = new ApiClient(otherPort());
		assertThat(awaitStatusOtherThan(other, "legacy", 400, Duration.ofSeconds(2))).isEqualTo(200);

		this.redis.delete(RuleStore.VERSION_KEY);
		this.redis.opsForValue().set(RuleStore.LEGACY_VERSION_KEY, "7");
		HttpResponse<String> put = send("PUT", this.port,
				"{\"rules\":[{\"name\":\"upgraded\",\"limits\":[{\"limit\":1,\"unit\":\"hour\"}]}]}", "admin");
		assertThat(JsonPath.<Number>read(put.body(), "$.version").longValue())
			.as("versions go on from the former counter")
			.isEqualTo(8);

		assertThat(send("DELETE", this.port, null, "admin").statusCode()).isEqualTo(204);
		assertThat(this.redis.hasKey(RuleStore.LEGACY_KEY)).isFalse();
		assertThat(awaitStatusOtherThan(other, "legacy", 200, Duration.ofSeconds(2))).isEqualTo(400);
		assertThat(other.check("tight", this.subject).statusCode()).isEqualTo(200);
	}

	@Test
	void windowsAreAtMostAYear() {
		for (String unit : List.of("367d", "106752d", "99999999999999999999d")) {
			HttpResponse<String> put = send("PUT", this.port,
					"{\"rules\":[{\"name\":\"forever\",\"limits\":[{\"limit\":1,\"unit\":\"" + unit + "\"}]}]}",
					"admin");
			assertThat(put.statusCode()).as(unit).isEqualTo(400);
			assertThat(put.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(JsonPath.<String>read(put.body(), "$.detail")).isEqualTo("Invalid rate limit rule 'forever': "
					+ "limits[0].unit '" + unit + "' is longer than the longest window, 366d");
			assertThat(JsonPath.<String>read(put.body(), "$.rule")).isEqualTo("'forever'");
			assertThat(JsonPath.<String>read(put.body(), "$.field")).isEqualTo("limits[0].unit");
		}

		HttpResponse<String> put = send("PUT", this.port, """
				{"rules":[{"name":"yearly","algorithm":"fixed-window","limits":[{"limit":2,"unit":"366d"}]}]}""",
				"admin");
		assertThat(put.statusCode()).isEqualTo(200);
		ApiClient here = new ApiClient(this.port);
		HttpResponse<String> first = here.check("yearly", this.subject);
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"yearly\";q=2;w=31622400");
		assertThat(here.check("yearly", this.subject).statusCode()).isEqualTo(200);
		assertThat(here.check("yearly", this.subject).statusCode()).isEqualTo(429);
	}

	@Test
	void onlyAdministratorsChangeRules() {
		assertThat(send("PUT", this.port, "{\"rules\":[]}", "mallory").statusCode()).isEqualTo(403);
		assertThat(send("GET", this.port, null, "mallory").statusCode()).isEqualTo(403);
		assertThat(send("GET", this.port, null, null).statusCode()).isEqualTo(401);
		HttpResponse<String> get = send("GET", this.port, null, "admin");
		assertThat(get.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Integer>read(get.body(), "$.version")).isZero();
		assertThat(JsonPath.<String>read(get.body(), "$.rules[0].name")).isEqualTo("tight");
	}

	@Test
	void withNoAdministratorsConfiguredNoOneChangesRules() {
		for (String method : new String[] { "GET", "PUT", "DELETE" }) {
			HttpResponse<String> refused = send(method, otherPort(), "{\"rules\":[]}", "admin");
			assertThat(refused.statusCode()).as(method).isEqualTo(403);
			assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		}
	}

	/**
	 * A rule's meters go when the rule does, on every instance: until 2026-12-07 a
	 * removed or renamed rule's series stayed, frozen at their last values, until the
	 * instance restarted.
	 */
	@Test
	void theMetersOfARuleGoWhenTheRuleDoes() throws InterruptedException {
		ApiClient other = new ApiClient(otherPort());
		MeterRegistry meters = otherInstance.getBean(MeterRegistry.class);
		// the previous test's rules may still be in force there for a moment
		assertThat(awaitStatusOtherThan(other, "tight", 400, Duration.ofSeconds(1))).isEqualTo(200);
		assertThat(ruleMeters(meters, "tight")).as("decisions and latency").isEqualTo(2);

		assertThat(send("PUT", this.port, """
				{"rules":[{"name":"runtime","algorithm":"fixed-window","limits":[{"limit":5,"unit":"hour"}]}]}""",
				"admin")
			.statusCode()).isEqualTo(200);
		assertThat(awaitStatusOtherThan(other, "runtime", 400, Duration.ofSeconds(1))).isEqualTo(200);
		assertThat(ruleMeters(meters, "runtime")).isEqualTo(2);
		assertThat(ruleMeters(meters, "tight")).as("no longer in force").isZero();

		assertThat(send("DELETE", this.port, null, "admin").statusCode()).isEqualTo(204);
		assertThat(awaitStatusOtherThan(other, "tight", 400, Duration.ofSeconds(1))).isEqualTo(200);
		assertThat(ruleMeters(meters, "runtime")).isZero();
		assertThat(ruleMeters(meters, "tight")).isEqualTo(2);
	}

	private static int ruleMeters(MeterRegistry meters, String rule) {
		return meters.find("blueprint.ratelimit.decisions").tag("rule", rule).meters().size()
				+ meters.find("blueprint.ratelimit.latency").tag("rule", rule).meters().size();
	}

	private static int otherPort() {
		return ((WebServerApplicationContext) otherInstance).getWebServer().getPort();
	}

	private static int awaitStatusOtherThan(ApiClient api, String rule, int status, Duration within)
			throws InterruptedException {
		long deadline = System.nanoTime() + within.toNanos();
		int current;
		do {
			current = api.check(rule, "probe-" + UUID.randomUUID()).statusCode();
			if (current != status) {
				return current;
			}
			Thread.sleep(20);
		}
		while (System.nanoTime() < deadline);
		return current;
	}

	/**
	 * Two administrators read the rules; the first changes them; the second's change,
	 * made against what it read, is refused (412, naming the current version) and nothing
	 * changes; repeated with the current version it is made. Until 2026-12-07 the second
	 * change silently replaced the first.
	 */
	@Test
	void aChangeAgainstRulesThatChangedSinceTheyWereReadIsRefused() {
		HttpResponse<String> read = send("GET", this.port, null, "admin");
		String etag = read.headers().firstValue("ETag").orElseThrow();
		assertThat(etag).matches("\"[0-9]+\"");
		long readVersion = Long.parseLong(etag.replace("\"", ""));
		String first = """
				{"rules":[{"name":"first","algorithm":"fixed-window","limits":[{"limit":1,"unit":"hour"}]}]}""";
		String second = """
				{"rules":[{"name":"second","algorithm":"fixed-window","limits":[{"limit":1,"unit":"hour"}]}]}""";

		HttpResponse<String> made = send("PUT", this.port, first, "admin", etag);
		assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
		String current = "\"" + (readVersion + 1) + "\"";
		assertThat(made.headers().firstValue("ETag")).hasValue(current);

		HttpResponse<String> refused = send("PUT", this.port, second, "admin", etag);
		assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
		assertThat(refused.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(JsonPath.<Integer>read(refused.body(), "$.version")).isEqualTo((int) readVersion + 1);
		assertThat(refused.headers().firstValue("ETag")).hasValue(current);
		HttpResponse<String> after = send("GET", this.port, null, "admin");
		assertThat(after.headers().firstValue("ETag")).hasValue(current);
		assertThat(JsonPath.<List<String>>read(after.body(), "$.rules[*].name")).containsExactly("first");
		assertThat(send("DELETE", this.port, null, "admin", etag).statusCode()).as("a stale delete").isEqualTo(412);

		HttpResponse<String> repeated = send("PUT", this.port, second, "admin", current);
		assertThat(repeated.statusCode()).as(repeated.body()).isEqualTo(200);
		assertThat(JsonPath.<List<String>>read(repeated.body(), "$.rules[*].name")).containsExactly("second");
		assertThat(send("PUT", this.port, first, "admin", "*").statusCode()).as("any version").isEqualTo(200);
		String last = send("GET", this.port, null, "admin").headers().firstValue("ETag").orElseThrow();
		HttpResponse<String> deleted = send("DELETE", this.port, null, "admin", last);
		assertThat(deleted.statusCode()).isEqualTo(204);
		assertThat(deleted.headers().firstValue("ETag")).hasValue("\"" + (readVersion + 4) + "\"");
	}

	@Test
	void anIfMatchThatNamesNoVersionIsA400NamingTheHeader() {
		String body = """
				{"rules":[{"name":"runtime","algorithm":"fixed-window","limits":[{"limit":1,"unit":"hour"}]}]}""";
		for (String ifMatch : List.of("12", "W/\"12\"", "\"12\", \"13\"", "\"-1\"", "\"9999999999999999999\"",
				"\"\"")) {
			HttpResponse<String> refused = send("PUT", this.port, body, "admin", ifMatch);
			assertThat(refused.statusCode()).as(ifMatch + ": " + refused.body()).isEqualTo(400);
			assertThat(JsonPath.<String>read(refused.body(), "$.field")).isEqualTo("If-Match");
			assertThat(JsonPath.<String>read(refused.body(), "$.title")).isEqualTo("Invalid request");
		}
		assertThat(JsonPath.<Integer>read(send("GET", this.port, null, "admin").body(), "$.version"))
			.as("nothing changed")
			.isZero();
	}

	private HttpResponse<String> send(String method, int port, String body, String user, String ifMatch) {
		return send(method, port, body, user, (request) -> request.header("If-Match", ifMatch));
	}

	private HttpResponse<String> send(String method, int port, String body, String user) {
		return send(method, port, body, user, (request) -> {
		});
	}

	private HttpResponse<String> send(String method, int port, String body, String user,
			java.util.function.Consumer<HttpRequest.Builder> headers) {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + port + "/api/v1/ratelimit/rules"))
			.timeout(Duration.ofSeconds(10))
			.method(method,
					(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody())
			.header("Content-Type", "application/json");
		if (user != null) {
			request.header("Authorization", TestTokens.bearer(user));
		}
		headers.accept(request);
		try {
			return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
