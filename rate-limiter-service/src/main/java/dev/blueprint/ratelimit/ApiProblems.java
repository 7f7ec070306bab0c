package dev.blueprint.ratelimit;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import dev.blueprint.platform.web.Problems;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Problem documents for request bodies that do not read. Bodies are read strictly
 * ({@code spring.jackson.deserialization} in {@code application.yml}): a field the API
 * does not have is refused, not ignored, because an ignored field is a change that does
 * not happen ({@code "failure-policy":"fail-closed"} in a rule, where the JSON name is
 * {@code failurePolicy}, left the rule failing open on every instance, answered with a
 * 200), and a fraction where a whole number belongs is refused, not truncated
 * ({@code "cost":2.9} charged 2). The 400 names the field by its JSON path, e.g.
 * {@code rules[0].failure-policy}.
 */
@RestControllerAdvice
class ApiProblems extends ResponseEntityExceptionHandler {

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		ProblemDetail problem = problemOf(ex.getCause());
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	static ProblemDetail problemOf(Throwable cause) {
		if (cause instanceof JacksonException json) {
			String field = pathOf(json.getPath());
			if (cause instanceof UnrecognizedPropertyException unknown && field != null) {
				return Problems.invalidField("Malformed request", field,
						field + " is not a field of this request" + expected(unknown.getKnownPropertyIds()));
			}
			if (field != null) {
				return Problems.invalidField("Malformed request", field, field + " has an invalid value");
			}
		}
		return Problems.malformedBody("The request body is not valid JSON");
	}

	private static String expected(Collection<Object> known) {
		if (known == null || known.isEmpty()) {
			return "";
		}
		return " (its fields: " + known.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
	}

	/** A JSON path such as {@code rules[0].limits[1].unit}, or null for none. */
	static String pathOf(List<JacksonException.Reference> path) {
		StringBuilder field = new StringBuilder();
		for (JacksonException.Reference reference : path) {
			if (reference.getPropertyName() != null) {
				if (!field.isEmpty()) {
					field.append('.');
				}
				field.append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				field.append('[').append(reference.getIndex()).append(']');
			}
		}
		return field.isEmpty() ? null : field.toString();
	}

}
