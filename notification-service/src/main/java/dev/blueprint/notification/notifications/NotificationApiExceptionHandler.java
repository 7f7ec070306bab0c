package dev.blueprint.notification.notifications;

import java.time.Duration;

import com.datastax.oss.driver.api.core.DriverException;
import dev.blueprint.platform.web.InvalidFieldException;
import dev.blueprint.platform.web.Problems;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Every error of the notifications REST API as RFC 9457 problem+json; parameter errors
 * carry {@code field}. Cassandra being unreachable is a 503 with {@code Retry-After}.
 * Scoped to the notifications controller and not a
 * {@code ResponseEntityExceptionHandler}: one of those would replace Spring Boot's
 * problem-details handler for every other path (an unknown path's 404 would lose its
 * problem+json).
 */
@RestControllerAdvice(assignableTypes = NotificationController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class NotificationApiExceptionHandler {

	private static final Logger logger = LoggerFactory.getLogger(NotificationApiExceptionHandler.class);

	@ExceptionHandler(InvalidFieldException.class)
	ProblemDetail invalid(InvalidFieldException ex) {
		return Problems.invalidField(ex);
	}

	@ExceptionHandler(NotificationExceptions.NotificationNotFoundException.class)
	ProblemDetail notFound(NotificationExceptions.NotificationNotFoundException ex) {
		return Problems.of(HttpStatus.NOT_FOUND, "Not found", ex.getMessage());
	}

	@ExceptionHandler(MethodArgumentTypeMismatchException.class)
	ProblemDetail typeMismatch(MethodArgumentTypeMismatchException ex) {
		return Problems.invalidValue(ex);
	}

	@ExceptionHandler(DriverException.class)
	ResponseEntity<ProblemDetail> cassandraUnavailable(DriverException ex) {
		logger.warn("Cassandra request failed: {}", ex.toString());
		return Problems.unavailable("Storage unavailable", "The notification store is unavailable; retry shortly",
				Duration.ofSeconds(5));
	}

}
