package dev.blueprint.shortener.web;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.blueprint.platform.web.Problems;
import dev.blueprint.shortener.ShortenerProperties;
import dev.blueprint.shortener.links.FieldViolation;
import dev.blueprint.shortener.links.LinkExceptions;

import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the service as RFC 9457 problem+json. Field errors carry {@code field}
 * (the first offending field) and {@code errors} (all of them).
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private final ShortenerProperties properties;

	ApiExceptionHandler(ShortenerProperties properties) {
		this.properties = properties;
	}

	@ExceptionHandler(LinkExceptions.InvalidLinkException.class)
	ProblemDetail invalid(LinkExceptions.InvalidLinkException ex) {
		return fieldProblem(ex.violations());
	}

	@ExceptionHandler(LinkExceptions.LinkNotFoundException.class)
	ProblemDetail notFound(LinkExceptions.LinkNotFoundException ex) {
		return Problems.of(HttpStatus.NOT_FOUND, "No such link", ex.getMessage());
	}

	@ExceptionHandler(LinkExceptions.AliasTakenException.class)
	ProblemDetail aliasTaken(LinkExceptions.AliasTakenException ex) {
		ProblemDetail problem = Problems.of(HttpStatus.CONFLICT, "Alias taken", ex.getMessage());
		problem.setProperty("field", "alias");
		return problem;
	}

	@ExceptionHandler(LinkExceptions.IdempotencyKeyInUseException.class)
	ProblemDetail keyInUse(LinkExceptions.IdempotencyKeyInUseException ex) {
		return Problems.of(HttpStatus.CONFLICT, "Idempotency-Key in use", ex.getMessage());
	}

	@ExceptionHandler(LinkExceptions.IdempotencyKeyMismatchException.class)
	ProblemDetail keyMismatch(LinkExceptions.IdempotencyKeyMismatchException ex) {
		return Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key reused", ex.getMessage());
	}

	@ExceptionHandler(LinkExceptions.NotOwnerException.class)
	ProblemDetail notOwner(LinkExceptions.NotOwnerException ex) {
		return Problems.of(HttpStatus.FORBIDDEN, "Not the owner", ex.getMessage());
	}

	@ExceptionHandler(LinkExceptions.StoreUnavailableException.class)
	ResponseEntity<ProblemDetail> unavailable(LinkExceptions.StoreUnavailableException ex) {
		long retryAfter = Math.max(1, this.properties.retryAfter().toSeconds());
		// a create or delete that timed out may still have been applied
		return Problems.unavailable("Storage unavailable",
				"Link storage is temporarily unavailable. Retry after " + retryAfter + " s",
				Duration.ofSeconds(retryAfter));
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		ProblemDetail problem = Problems.unreadableBody(ex, "{url, alias?, expiresAt?, redirectType?}");
		if (problem.getProperties() != null && problem.getProperties().get(Problems.FIELD) instanceof String field) {
			// as every field error of this API: all of them in errors (here the one)
			problem.setProperty("errors",
					List.of(Map.of("field", field, "message", problem.getDetail().substring(field.length() + 1))));
		}
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

	/**
	 * A query or path parameter that does not convert to its type ({@code size=abc}):
	 * named like a body field, where Spring's default problem named nothing.
	 */
	@Override
	protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		String field = (ex.getPropertyName() != null) ? ex.getPropertyName() : "request";
		return handleExceptionInternal(ex, fieldProblem(List.of(new FieldViolation(field, "has an invalid value"))),
				headers, HttpStatus.BAD_REQUEST, request);
	}

	/** A required query parameter left out (the listing's {@code owner}), named. */
	@Override
	protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		return handleExceptionInternal(ex,
				fieldProblem(List.of(new FieldViolation(ex.getParameterName(), "is required"))), headers,
				HttpStatus.BAD_REQUEST, request);
	}

	private static ProblemDetail fieldProblem(List<FieldViolation> violations) {
		FieldViolation first = violations.get(0);
		ProblemDetail problem = Problems.of(HttpStatus.BAD_REQUEST, "Invalid request",
				first.field() + " " + first.message());
		problem.setProperty("field", first.field());
		problem.setProperty("errors", violations);
		return problem;
	}

}
