package dev.blueprint.platform.web;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * The RFC 9457 problem documents every Blueprint REST API answers with, so that a client
 * sees the same shape from each service: a title per kind of error, {@code field} on a
 * 400 that names one, {@code Retry-After} on a 503.
 */
public final class Problems {

	/** The property of a 400 problem that names the offending field or parameter. */
	public static final String FIELD = "field";

	private Problems() {
	}

	/** A problem with a status, a short title and a detail for the caller. */
	public static ProblemDetail of(HttpStatus status, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		return problem;
	}

	/** 400 "Invalid request" naming the {@code field} that is missing or wrong. */
	public static ProblemDetail invalidField(String field, String detail) {
		return invalidField("Invalid request", field, detail);
	}

	/**
	 * 400 with a title of the API's own ("Invalid rate limit rules") naming the
	 * {@code field} that is missing or wrong.
	 */
	public static ProblemDetail invalidField(String title, String field, String detail) {
		ProblemDetail problem = of(HttpStatus.BAD_REQUEST, title, detail);
		problem.setProperty(FIELD, field);
		return problem;
	}

	/** 400 for a {@link InvalidFieldException}. */
	public static ProblemDetail invalidField(InvalidFieldException ex) {
		return invalidField(ex.field(), ex.getMessage());
	}

	/**
	 * 400 for a path or query parameter that does not convert to its type (a UUID that is
	 * not one, a number that is not), naming the parameter.
	 */
	public static ProblemDetail invalidValue(MethodArgumentTypeMismatchException ex) {
		return invalidField(ex.getName(), ex.getName() + " has an invalid value '" + ex.getValue() + "'");
	}

	/** 400 "Malformed request" for a body that does not parse. */
	public static ProblemDetail malformedBody(String detail) {
		return of(HttpStatus.BAD_REQUEST, "Malformed request", detail);
	}

	/**
	 * 400 "Malformed request" for a request body that did not read: naming the field by
	 * its JSON path ({@code rules[0].limits[1].unit}) where the JSON parsed but a field
	 * did not fit ("is not a field of this request", with the fields it has, for one the
	 * API does not have: request bodies are read strictly,
	 * {@link StrictRequestBodiesAutoConfiguration}; "has an invalid value" otherwise), or
	 * {@code form} (what the body should look like) where it is not JSON at all.
	 * @param failure the converter's failure ({@code HttpMessageNotReadableException})
	 * @param form the body's expected form for the detail, e.g. {@code "{type, members,
	 * name?}"}, or null (an API with several kinds of body)
	 */
	public static ProblemDetail unreadableBody(Throwable failure, @Nullable String form) {
		Throwable cause = (failure.getCause() != null) ? failure.getCause() : failure;
		if (cause instanceof JacksonException json) {
			String field = pathOf(json.getPath());
			if (field != null && cause instanceof UnrecognizedPropertyException unknown) {
				return invalidField("Malformed request", field,
						field + " is not a field of this request" + fieldsOf(unknown.getKnownPropertyIds()));
			}
			if (field != null) {
				return invalidField("Malformed request", field, field + " has an invalid value");
			}
		}
		return malformedBody("The request body is not valid JSON" + ((form != null) ? " of the form " + form : ""));
	}

	private static String fieldsOf(Collection<Object> known) {
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

	/**
	 * 503 with {@code Retry-After} (whole seconds, at least one): a dependency cannot
	 * answer and the same request may succeed later.
	 */
	public static ResponseEntity<ProblemDetail> unavailable(String title, String detail, Duration retryAfter) {
		long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
			.body(of(HttpStatus.SERVICE_UNAVAILABLE, title, detail));
	}

}
