package dev.blueprint.ratelimit.check;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import com.jayway.jsonpath.JsonPath;
import dev.blueprint.testsupport.RealInfrastructure;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** The check API against the running service and a real Redis. */
@RealInfrastructure
@AutoConfigureMetrics
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.config.import=classpath:rules/test-rules.yaml")
class CheckApiIntegrationTests {

	@LocalServerPort
	private int port;

	private ApiClient api;

	private final String subject = "user-" + UUID.randomUUID();

	@BeforeEach
	void client() {
		this.api = new ApiClient(this.port);
	}

	@Test
	void allowedRequestsGetTheDecisionAndRateLimitHeaders() {
		HttpResponse<String> response = this.api.check("tight", this.subject);

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Boolean>read(response.body(), "$.allowed")).isTrue();
		assertThat(JsonPath.<Integer>read(response.body(), "$.limit")).isEqualTo(3);
		assertThat(JsonPath.<Integer>read(response.body(), "$.remaining")).isEqualTo(2);
		assertThat(JsonPath.<Integer>read(response.body(), "$.resetSeconds")).isBetween(1, 3600);
		assertThat(JsonPath.<Integer>read(response.body(), "$.retryAfterSeconds")).isZero();
		assertThat(JsonPath.<String>read(response.body(), "$.rule")).isEqualTo("tight");
		assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"tight\";q=3;w=3600");
		assertThat(response.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> assertThat(value).matches("\"tight\";r=2;t=\\d+"));
		assertThat(response.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
		assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
		assertThat(response.headers().firstValue("X-RateLimit-Reset")).isPresent();
		assertThat(response.headers().firstValue("Retry-After")).isEmpty();
	}

	@Test
	void deniedRequestsAre429WithRetryAfter() {
		for (int i = 0; i < 3; i++) {
			assertThat(this.api.check("tight", this.subject).statusCode()).isEqualTo(200);
		}
		HttpResponse<String> response = this.api.check("tight", this.subject);

		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(JsonPath.<Boolean>read(response.body(), "$.allowed")).isFalse();
		assertThat(JsonPath.<Integer>read(response.body(), "$.remaining")).isZero();
		int retryAfter = JsonPath.read(response.body(), "$.retryAfterSeconds");
		assertThat(retryAfter).isBetween(1, 3600);
		assertThat(response.headers().firstValue("Retry-After")).hasValue(Integer.toString(retryAfter));
		assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
	}

	@Test
	void everyLimitOfARuleAppliesAndTheBindingOneIsReported() {
		String body = "{\"api\":\"POST /api/v1/things\",\"subject\":\"" + this.subject + "\"}";
		assertThat(this.api.post("/api/v1/ratelimit/check", body).statusCode()).isEqualTo(200);
		HttpResponse<String> second = this.api.post("/api/v1/ratelimit/check", body);
		assertThat(JsonPath.<String>read(second.body(), "$.rule")).isEqualTo("multi");
		assertThat(JsonPath.<Integer>read(second.body(), "$.limit")).isEqualTo(2);
		assertThat(JsonPath.<Integer>read(second.body(), "$.remaining")).isZero();
		assertThat(JsonPath.<Integer>read(second.body(), "$.limits[0].remaining")).isEqualTo(3);
		assertThat(second.headers().firstValue("RateLimit-Policy"))
			.hasValue("\"multi\";q=5;w=3600, \"multi.2\";q=2;w=60");
		assertThat(second.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> assertThat(value).startsWith("\"multi.2\";r=0;t="));
		assertThat(this.api.post("/api/v1/ratelimit/check", body).statusCode()).isEqualTo(429);

		String partner = "{\"rule\":\"multi\",\"subject\":\"partner\",\"cost\":20}";
		HttpResponse<String> override = this.api.post("/api/v1/ratelimit/check", partner);
		assertThat(override.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Integer>read(override.body(), "$.limit")).isEqualTo(50);
	}

	@Test
	void costTakesSeveralPermits() {
		String body = "{\"rule\":\"bucket\",\"subject\":\"" + this.subject + "\",\"cost\":15}";
		HttpResponse<String> response = this.api.post("/api/v1/ratelimit/check", body);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Integer>read(response.body(), "$.limit")).isEqualTo(20);
		assertThat(JsonPath.<Integer>read(response.body(), "$.remaining")).isEqualTo(5);
		// 10 per hour with bursts of 20: 20 per the 2 hours a burst takes to refill
		assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"bucket\";q=20;w=7200");
		assertThat(this.api.post("/api/v1/ratelimit/check", body).statusCode()).isEqualTo(429);
	}

	@Test
	void batchDecidesEveryCheck() {
		String other = this.subject + "-2";
		HttpResponse<String> response = this.api.post("/api/v1/ratelimit/check/batch",
				"{\"checks\":[{\"rule\":\"tight\",\"subject\":\"" + this.subject + "\",\"cost\":3},"
						+ "{\"rule\":\"tight\",\"subject\":\"" + this.subject + "\"},"
						+ "{\"rule\":\"bucket\",\"subject\":\"" + other + "\"}]}");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Boolean>read(response.body(), "$.allowed")).isFalse();
		assertThat(JsonPath.<java.util.List<Boolean>>read(response.body(), "$.results[*].allowed"))
			.containsExactly(true, false, true);
		assertThat(JsonPath.<Integer>read(response.body(), "$.results[2].remaining")).isEqualTo(19);
	}

	@Test
	void aBadBatchChargesNothing() {
		HttpResponse<String> response = this.api.post("/api/v1/ratelimit/check/batch",
				"{\"checks\":[{\"rule\":\"tight\",\"subject\":\"" + this.subject + "\"},{\"rule\":\"tight\"}]}");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(JsonPath.<String>read(response.body(), "$.field")).isEqualTo("checks[1].subject");
		HttpResponse<String> check = this.api.check("tight", this.subject);
		assertThat(JsonPath.<Integer>read(check.body(), "$.remaining")).isEqualTo(2);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			textBlock = """
					unknown rule       | {"rule":"nope","subject":"a"}               | rule    | unknown rule 'nope'
					unknown api        | {"api":"GET /nope","subject":"a"}           | api     | no rule for api 'GET /nope'
					rule and api       | {"rule":"tight","api":"POST /api/v1/things","subject":"a"} | api | rule and api name a rule both: give one
					missing subject    | {"rule":"tight"}                            | subject | subject is required
					zero cost          | {"rule":"tight","subject":"a","cost":0}     | cost    | cost must be between 1 and 3 (the capacity of rule 'tight'), was 0
					negative cost      | {"rule":"tight","subject":"a","cost":-2}    | cost    | cost must be between 1 and 3 (the capacity of rule 'tight'), was -2
					cost over capacity | {"rule":"tight","subject":"a","cost":4}     | cost    | cost must be between 1 and 3 (the capacity of rule 'tight'), was 4
					""")
	void badInputIsAProblemNamingTheField(String name, String body, String field, String detail) {
		assertBadRequest(this.api.post("/api/v1/ratelimit/check", body), field, detail);
	}

	/**
	 * A body is read strictly: a field the API does not have, or a fraction for a whole
	 * number, is a 400 naming it by its JSON path, and charges nothing. Ignored, "Cost":3
	 * charged 1 and "cost":2.9 charged 2.
	 */
	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			textBlock = """
					misspelt field        | /check       | {"rule":"tight","subject":"S","Cost":3}              | Cost                | Cost is not a field of this request (its fields: api, cost, rule, subject)
					fraction for a number | /check       | {"rule":"tight","subject":"S","cost":2.9}            | cost                | cost has an invalid value
					text for a number     | /check       | {"rule":"tight","subject":"S","cost":"two"}          | cost                | cost has an invalid value
					misspelt in a batch   | /check/batch | {"checks":[{"rule":"tight","subject":"S","costs":2}]} | checks[0].costs     | checks[0].costs is not a field of this request (its fields: api, cost, rule, subject)
					object for a list     | /check/batch | {"checks":{"rule":"tight","subject":"S"}}            | checks              | checks has an invalid value
					""")
	void aBodyIsReadStrictlyAndItsBadFieldNamed(String name, String path, String body, String field, String detail) {
		HttpResponse<String> response = this.api.post("/api/v1/ratelimit" + path,
				body.replace("\"S\"", "\"" + this.subject + "\""));
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(JsonPath.<String>read(response.body(), "$.field")).isEqualTo(field);
		assertThat(JsonPath.<String>read(response.body(), "$.detail")).isEqualTo(detail);
		assertThat(JsonPath.<String>read(response.body(), "$.title")).isEqualTo("Malformed request");
		assertThat(JsonPath.<Integer>read(this.api.check("tight", this.subject).body(), "$.remaining"))
			.as("nothing charged")
			.isEqualTo(2);
	}

	@Test
	void aBodyThatIsNotJsonIsAProblemWithoutAField() {
		HttpResponse<String> response = this.api.post("/api/v1/ratelimit/check", "{\"rule\":\"tight\",");
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(JsonPath.<String>read(response.body(), "$.detail")).isEqualTo("The request body is not valid JSON");
		assertThat(response.body()).doesNotContain("\"field\"");
	}

	@Test
	void aBatchHoldsOneToOneHundredChecks() {
		String one = "{\"rule\":\"bucket\",\"subject\":\"" + this.subject + "\"}";
		HttpResponse<String> hundred = this.api.post("/api/v1/ratelimit/check/batch",
				"{\"checks\":[" + String.join(",", java.util.Collections.nCopies(100, one)) + "]}");
		assertThat(hundred.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<List<Object>>read(hundred.body(), "$.results")).hasSize(100);
		for (String checks : List.of("[" + String.join(",", java.util.Collections.nCopies(101, one)) + "]", "[]",
				"null")) {
			HttpResponse<String> refused = this.api.post("/api/v1/ratelimit/check/batch",
					"{\"checks\":" + checks + "}");
			assertThat(refused.statusCode()).isEqualTo(400);
			assertThat(JsonPath.<String>read(refused.body(), "$.field")).isEqualTo("checks");
		}
		HttpResponse<String> nullCheck = this.api.post("/api/v1/ratelimit/check/batch",
				"{\"checks\":[" + one + ",null]}");
		assertThat(nullCheck.statusCode()).isEqualTo(400);
		assertThat(JsonPath.<String>read(nullCheck.body(), "$.field")).isEqualTo("checks[1]");
	}

	@Test
	void subjectsLongerThan256CharactersAreRejected() {
		String subject = "s".repeat(257);
		assertBadRequest(this.api.check("tight", subject), "subject",
				"subject must be at most 256 characters, was 257");
		assertThat(this.api.check("tight", "s".repeat(256) + "").statusCode()).isIn(200, 429);
	}

	@Test
	void shadowRulesNeverDenyButAreCounted() {
		assertThat(this.api.check("shadowed", this.subject).statusCode()).isEqualTo(200);
		HttpResponse<String> response = this.api.check("shadowed", this.subject);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(JsonPath.<Boolean>read(response.body(), "$.allowed")).isTrue();
		assertThat(JsonPath.<Boolean>read(response.body(), "$.shadowDenied")).isTrue();

		String metrics = this.api.get("/actuator/prometheus").body();
		assertThat(metrics).containsPattern(
				"blueprint_ratelimit_decisions_total\\{[^}]*outcome=\"shadow_denied\",rule=\"shadowed\"[^}]*} [1-9]");
		assertThat(metrics).containsPattern(
				"blueprint_ratelimit_latency_seconds_count\\{[^}]*outcome=\"redis\",rule=\"shadowed\"[^}]*} [1-9]");
	}

	@Test
	void healthShowsTheLimiterDecidingInRedis() {
		String health = this.api.get("/actuator/health").body();
		assertThat(JsonPath.<String>read(health, "$.components.rateLimiter.status")).isEqualTo("UP");
		assertThat(JsonPath.<String>read(health, "$.components.rateLimiter.details.circuitBreaker"))
			.isEqualTo("CLOSED");
	}

	private static void assertBadRequest(HttpResponse<String> response, String field, String detail) {
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(JsonPath.<String>read(response.body(), "$.field")).isEqualTo(field);
		assertThat(JsonPath.<String>read(response.body(), "$.detail")).isEqualTo(detail);
		assertThat(JsonPath.<Integer>read(response.body(), "$.status")).isEqualTo(400);
		assertThat(JsonPath.<String>read(response.body(), "$.title")).isEqualTo("Invalid rate-limit check");
		assertThat(JsonPath.<String>read(response.body(), "$.instance")).startsWith("/api/v1/ratelimit/check");
	}

}
