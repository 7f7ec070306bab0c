package dev.blueprint.chat.message.web;

import java.time.Duration;

import com.datastax.oss.driver.api.core.DriverException;
import dev.blueprint.chat.message.conversations.ChatExceptions;
import dev.blueprint.platform.web.InvalidFieldException;
import dev.blueprint.platform.web.Problems;
import io.github.resilience4j.bulkhead.BulkheadFullException;

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
 * {@code field}. Cassandra or Kafka being unreachable is a 503 with {@code Retry-After}.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

	private static final Duration RETRY_AFTER_BUSY = Duration.ofSeconds(1);

	private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(ApiExceptionHandler.class);

	@ExceptionHandler(InvalidFieldException.class)
	ProblemDetail invalid(InvalidFieldException ex) {
		return Problems.invalidField(ex);
	}

	@ExceptionHandler(ChatExceptions.ConversationNotFoundException.class)
	ProblemDetail notFound(ChatExceptions.ConversationNotFoundException ex) {
		return Problems.of(HttpStatus.NOT_FOUND, "Not found", ex.getMessage());
	}

	@ExceptionHandler(ChatExceptions.ForbiddenException.class)
	ProblemDetail forbidden(ChatExceptions.ForbiddenException ex) {
		return Problems.of(HttpStatus.FORBIDDEN, "Forbidden", ex.getMessage());
	}

	@ExceptionHandler(ChatExceptions.ConflictException.class)
	ProblemDetail conflict(ChatExceptions.ConflictException ex) {
		return Problems.of(HttpStatus.CONFLICT, "Conflict", ex.getMessage());
	}

	@ExceptionHandler(MethodArgumentTypeMismatchException.class)
	ProblemDetail typeMismatch(MethodArgumentTypeMismatchException ex) {
		return Problems.invalidValue(ex);
	}

	@ExceptionHandler(DriverException.class)
	ResponseEntity<ProblemDetail> cassandraUnavailable(DriverException ex) {
		logger.warn("Cassandra request failed: {}", ex.toString());
		return Problems.unavailable("Storage unavailable", "The message store is unavailable; retry shortly",
				RETRY_AFTER);
	}

	/**
	 * The API's Cassandra requests found no free slot in time
	 * ({@code chat.storage.api-requests-in-flight}, {@code api-requests-wait}): other API
	 * calls hold them all. The store is up; trying again in a second usually finds room.
	 */
	@ExceptionHandler(BulkheadFullException.class)
	ResponseEntity<ProblemDetail> storageBusy(BulkheadFullException ex) {
		logger.debug("Storage busy: {}", ex.getMessage());
		return Problems.unavailable("Storage busy",
				"Too many message store requests are in flight for the API; retry shortly", RETRY_AFTER_BUSY);
	}

	/** Not an error: accepted, and it will apply. */
	@ExceptionHandler(ChatExceptions.ChangePendingException.class)
	ResponseEntity<java.util.Map<String, String>> pending(ChatExceptions.ChangePendingException ex) {
		return ResponseEntity.accepted().body(java.util.Map.of("status", "pending", "detail", ex.getMessage()));
	}

	/**
	 * A membership change could not be put on the log. Kafka unreachable (the producer
	 * gives up after its 5-10 s timeouts: a retriable error or a timeout somewhere in the
	 * cause chain) is a 503 and repeating the call finishes it; any other Kafka error is
	 * the server's (500).
	 */
	@ExceptionHandler({ org.apache.kafka.common.KafkaException.class, org.springframework.kafka.KafkaException.class })
	ResponseEntity<ProblemDetail> kafkaFailed(RuntimeException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof org.apache.kafka.common.errors.RetriableException
					|| cause instanceof java.util.concurrent.TimeoutException) {
				logger.warn("Kafka unavailable: {}", ex.toString());
				return Problems.unavailable("Messaging unavailable",
						"The change could not be confirmed in the message log; repeat the request shortly "
								+ "(repeating it is safe)",
						RETRY_AFTER);
			}
		}
		logger.error("Kafka request failed", ex);
		return ResponseEntity.internalServerError()
			.body(Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "Messaging failed",
					"The change could not be announced to the message log"));
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		return ResponseEntity.badRequest().body(Problems.unreadableBody(ex, "{type, members, name?}"));
	}

}
