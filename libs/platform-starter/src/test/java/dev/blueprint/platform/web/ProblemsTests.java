package dev.blueprint.platform.web;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemsTests {

	@Test
	void anInvalidFieldIsA400NamingIt() {
		ProblemDetail problem = Problems.invalidField(new InvalidFieldException("members", "members is required"));
		assertThat(problem.getStatus()).isEqualTo(400);
		assertThat(problem.getTitle()).isEqualTo("Invalid request");
		assertThat(problem.getDetail()).isEqualTo("members is required");
		assertThat(problem.getProperties()).containsEntry(Problems.FIELD, "members");
	}

	@Test
	void aParameterOfTheWrongTypeIsNamedWithItsValue() throws Exception {
		MethodParameter parameter = new MethodParameter(ProblemsTests.class.getDeclaredMethod("handler", long.class),
				0);
		ProblemDetail problem = Problems
			.invalidValue(new MethodArgumentTypeMismatchException("abc", Long.class, "after", parameter, null));
		assertThat(problem.getStatus()).isEqualTo(400);
		assertThat(problem.getProperties()).containsEntry(Problems.FIELD, "after");
		assertThat(problem.getDetail()).isEqualTo("after has an invalid value 'abc'");
	}

	record Limit(int limit, String unit) {
	}

	record Rule(String name, List<Limit> limits) {
	}

	record Change(List<Rule> rules) {
	}

	private static final JsonMapper STRICT = StrictRequestBodiesAutoConfiguration.strict(new JsonMapper());

	private static ProblemDetail unreadable(String json) {
		try {
			STRICT.readValue(json, Change.class);
		}
		catch (JacksonException ex) {
			return Problems.unreadableBody(new RuntimeException("not readable", ex), "{rules}");
		}
		throw new AssertionError(json + " was read");
	}

	@Test
	void anUnknownFieldOfABodyIsNamedByItsJsonPathWithTheFieldsThereAre() {
		ProblemDetail problem = unreadable("{\"rules\":[{\"name\":\"a\",\"limits\":[{\"limit\":1,\"unti\":\"s\"}]}]}");
		assertThat(problem.getStatus()).isEqualTo(400);
		assertThat(problem.getTitle()).isEqualTo("Malformed request");
		assertThat(problem.getProperties()).containsEntry(Problems.FIELD, "rules[0].limits[0].unti");
		assertThat(problem.getDetail())
			.isEqualTo("rules[0].limits[0].unti is not a field of this request (its fields: limit, unit)");
	}

	@Test
	void aFractionForAWholeNumberIsAnInvalidValueOfItsField() {
		ProblemDetail problem = unreadable("{\"rules\":[{\"name\":\"a\",\"limits\":[{\"limit\":2.9}]}]}");
		assertThat(problem.getProperties()).containsEntry(Problems.FIELD, "rules[0].limits[0].limit");
		assertThat(problem.getDetail()).isEqualTo("rules[0].limits[0].limit has an invalid value");
	}

	@Test
	void aBodyThatIsNotJsonSaysWhatItShouldLookLike() {
		ProblemDetail problem = unreadable("{\"rules\":");
		assertThat(problem.getProperties()).as("no field named").isNull();
		assertThat(problem.getDetail()).isEqualTo("The request body is not valid JSON of the form {rules}");
		assertThat(Problems.unreadableBody(new IllegalStateException("no body"), "{rules}").getDetail())
			.isEqualTo("The request body is not valid JSON of the form {rules}");
	}

	@Test
	void unavailableIsA503WithRetryAfterInWholeSecondsOfAtLeastOne() {
		ResponseEntity<ProblemDetail> fiveSeconds = Problems.unavailable("Storage unavailable", "retry shortly",
				Duration.ofSeconds(5));
		assertThat(fiveSeconds.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(fiveSeconds.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
		assertThat(fiveSeconds.getBody().getTitle()).isEqualTo("Storage unavailable");
		assertThat(fiveSeconds.getBody().getStatus()).isEqualTo(503);
		assertThat(
				Problems.unavailable("t", "d", Duration.ofMillis(1500)).getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
			.isEqualTo("2");
		assertThat(Problems.unavailable("t", "d", Duration.ZERO).getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
			.isEqualTo("1");
	}

	@SuppressWarnings("unused")
	private void handler(long after) {
	}

}
