package dev.blueprint.presence.api;

import java.time.Duration;
import java.util.List;

import dev.blueprint.platform.web.InvalidFieldException;
import dev.blueprint.platform.web.Problems;
import dev.blueprint.presence.contacts.ContactDirectory.ContactsRefusedException;
import dev.blueprint.presence.contacts.ContactDirectory.ContactsUnavailableException;
import dev.blueprint.presence.tracking.PresenceTracker.PresenceBusyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.PoolException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the presence API as RFC 9457 problem+json: 400 with {@code field}, 401
 * for a token that names no user, 403 with the refused {@code userIds}, 502 when
 * chat-message-service refuses to list the caller's contacts, 503 with
 * {@code Retry-After} while Redis or chat-message-service (the contacts) cannot answer,
 * or when a choice kept meeting concurrent writes of the same user's presence.
 */
@RestControllerAdvice
class ApiProblems extends ResponseEntityExceptionHandler {

	private static final Logger logger = LoggerFactory.getLogger(ApiProblems.class);

	/** The caller asked for users it shares no conversation with. */
	static class NotAContact extends RuntimeException {

		private final List<String> userIds;

		NotAContact(List<String> userIds) {
			super("Presence is visible only to users who share a conversation; not shared with " + userIds);
			this.userIds = userIds;
		}

	}

	/** The caller's token has no subject that is a user id. */
	static class NotAUser extends RuntimeException {

		NotAUser() {
			super("The bearer token has no subject (sub)");
		}

	}

	/** The caller's subject is not a user id chat accepts. */
	static class UserIdNotAccepted extends RuntimeException {

		UserIdNotAccepted(String user) {
			super("Your user id '" + ((user.length() <= 40) ? user : user.substring(0, 40) + "…")
					+ "' is not one chat accepts (1-128 of letters, digits, '.', '_', '@', '-')");
		}

	}

	@ExceptionHandler(UserIdNotAccepted.class)
	ProblemDetail userIdNotAccepted(UserIdNotAccepted ex) {
		return Problems.of(HttpStatus.FORBIDDEN, "Forbidden", ex.getMessage());
	}

	@ExceptionHandler(InvalidFieldException.class)
	ProblemDetail invalid(InvalidFieldException ex) {
		return Problems.invalidField(ex);
	}

	@ExceptionHandler(NotAContact.class)
	ProblemDetail notAContact(NotAContact ex) {
		ProblemDetail problem = Problems.of(HttpStatus.FORBIDDEN, "Not a contact", ex.getMessage());
		problem.setProperty("userIds", ex.userIds);
		return problem;
	}

	/**
	 * 401 like a token that fails verification (RFC 6750 {@code invalid_token}): the
	 * token is of no use here, and another one may be.
	 */
	@ExceptionHandler(NotAUser.class)
	ResponseEntity<ProblemDetail> notAUser(NotAUser ex) {
		return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
			.header(HttpHeaders.WWW_AUTHENTICATE,
					"Bearer error=\"invalid_token\", error_description=\"The token's subject is not a user id\"")
			.body(Problems.of(HttpStatus.UNAUTHORIZED, "Unauthorized", ex.getMessage()));
	}

	@ExceptionHandler(ContactsUnavailableException.class)
	ResponseEntity<ProblemDetail> contactsUnavailable(ContactsUnavailableException ex) {
		logger.warn("Contacts unavailable: {}", ex.getMessage());
		return unavailable("The caller's contacts cannot be read (chat-message-service unavailable); retry shortly");
	}

	/**
	 * 502 without {@code Retry-After}: chat-message-service refused the read (a 4xx, e.g.
	 * a token it does not accept) and would refuse it again. As a 503 with
	 * {@code Retry-After: 5} it told the client to retry a request that cannot succeed.
	 */
	@ExceptionHandler(ContactsRefusedException.class)
	ProblemDetail contactsRefused(ContactsRefusedException ex) {
		logger.warn("Contacts refused: {}", ex.getMessage());
		return Problems.of(HttpStatus.BAD_GATEWAY, "Contacts unavailable",
				"chat-message-service answered " + ex.status()
						+ " when listing the caller's conversations, so the caller's contacts are unknown; "
						+ "retrying the same request will not help");
	}

	@ExceptionHandler(PresenceBusyException.class)
	ResponseEntity<ProblemDetail> busy(PresenceBusyException ex) {
		logger.warn("Presence choice not applied: {}", ex.getMessage());
		return Problems.unavailable("Busy",
				"Your presence changed concurrently several times and your choice was not applied; retry",
				Duration.ofSeconds(1));
	}

	/**
	 * Redis failed or did not answer in time. Spring reports that as a
	 * {@link DataAccessException}, and Redis is this service's only store, so the whole
	 * family is a 503: a refused connection, a command timeout
	 * ({@code QueryTimeoutException}), a failed pipeline ({@code RedisPipelineException},
	 * how every read and write here fails, since they are pipelined) and no pooled
	 * connection free within {@code spring.data.redis.lettuce.pool.max-wait} (a
	 * {@code RedisConnectionFailureException} caused by a {@link PoolException}; the bare
	 * {@link PoolException}, which is no {@link DataAccessException}, too). Mapping only
	 * some of them left a failed pipeline or a timeout to answer 500.
	 */
	@ExceptionHandler({ DataAccessException.class, PoolException.class })
	ResponseEntity<ProblemDetail> redisUnavailable(RuntimeException ex) {
		logger.warn("Redis request failed: {}", ex.toString());
		return unavailable("Presence is unavailable; retry shortly");
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		return ResponseEntity.badRequest()
			.body(Problems.unreadableBody(ex, "{\"userIds\": [...]} (query) or {\"status\": ...} (PUT /me)"));
	}

	private static ResponseEntity<ProblemDetail> unavailable(String detail) {
		return Problems.unavailable("Unavailable", detail, Duration.ofSeconds(5));
	}

}
