package dev.blueprint.chat.message.web;

import com.datastax.oss.driver.api.core.DriverException;
import dev.blueprint.chat.message.conversations.ChatExceptions;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the chat REST API as RFC 9457 problem+json; field errors carry
 * {@code field}. Cassandra being unreachable is a 503 with {@code Retry-After}.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(ApiExceptionHandler.class);

	@ExceptionHandler(ChatExceptions.InvalidFieldException.class)
	ProblemDetail invalid(ChatExceptions.InvalidFieldException ex) {
		return fieldProblem(ex.field(), ex.getMessage());
	}

	@ExceptionHandler(ChatExceptions.ConversationNotFoundException.class)
	ProblemDetail notFound(ChatExceptions.ConversationNotFoundException ex) {
		return problem(HttpStatus.NOT_FOUND, "Not found", ex.getMessage());
	}

	@ExceptionHandler(ChatExceptions.ForbiddenException.class)
	ProblemDetail forbidden(ChatExceptions.ForbiddenException ex) {
		return problem(HttpStatus.FORBIDDEN, "Forbidden", ex.getMessage());
	}

	@ExceptionHandler(ChatExceptions.ConflictException.class)
	ProblemDetail conflict(ChatExceptions.ConflictException ex) {
		return problem(HttpStatus.CONFLICT, "Conflict", ex.getMessage());
	}

	@ExceptionHandler(MethodArgumentTypeMismatchException.class)
	ProblemDetail typeMismatch(MethodArgumentTypeMismatchException ex) {
		return fieldProblem(ex.getName(), ex.getName() + " has an invalid value '" + ex.getValue() + "'");
	}

	@ExceptionHandler(DriverException.class)
	ResponseEntity<ProblemDetail> cassandraUnavailable(DriverException ex) {
		logger.warn("Cassandra request failed: {}", ex.toString());
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, "Storage unavailable",
				"The message store is unavailable; retry shortly");
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "5").body(problem);
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		return ResponseEntity.badRequest()
			.body(problem(HttpStatus.BAD_REQUEST, "Malformed request",
					"The request body is not valid JSON " + "of the form {type, members, name?}"));
	}

	private static ProblemDetail fieldProblem(String field, String detail) {
		ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Invalid request", detail);
		problem.setProperty("field", field);
		return problem;
	}

	private static ProblemDetail problem(HttpStatus status, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		return problem;
	}

}
