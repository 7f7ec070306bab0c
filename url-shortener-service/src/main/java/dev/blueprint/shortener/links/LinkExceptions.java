package dev.blueprint.shortener.links;

import java.util.List;

/** The failures of the link API, each mapped to one status by the error handler. */
public final class LinkExceptions {

	private LinkExceptions() {
	}

	/** 400: the request breaks a rule of {@link LinkRules}. */
	public static class InvalidLinkException extends RuntimeException {

		private final List<FieldViolation> violations;

		public InvalidLinkException(List<FieldViolation> violations) {
			super(violations.get(0).field() + " " + violations.get(0).message());
			this.violations = List.copyOf(violations);
		}

		public List<FieldViolation> violations() {
			return this.violations;
		}

	}

	/** 404. */
	public static class LinkNotFoundException extends RuntimeException {

		public LinkNotFoundException(String code) {
			super("No link with code '" + code + "'");
		}

	}

	/** 409: the custom alias exists. */
	public static class AliasTakenException extends RuntimeException {

		public AliasTakenException(String alias) {
			super("Alias '" + alias + "' is taken");
		}

	}

	/** 409: another request with the same Idempotency-Key is still running. */
	public static class IdempotencyKeyInUseException extends RuntimeException {

		public IdempotencyKeyInUseException() {
			super("A request with this Idempotency-Key is in progress; retry shortly");
		}

	}

	/** 422: an Idempotency-Key reused with a different body. */
	public static class IdempotencyKeyMismatchException extends RuntimeException {

		public IdempotencyKeyMismatchException() {
			super("This Idempotency-Key was used with a different request body");
		}

	}

	/** 403: only the owner may delete a link; anonymous links cannot be deleted. */
	public static class NotOwnerException extends RuntimeException {

		public NotOwnerException(String code) {
			super("Only the owner of '" + code + "' can delete it");
		}

	}

	/** 503 with Retry-After: Cassandra cannot take or serve the request now. */
	public static class StoreUnavailableException extends RuntimeException {

		public StoreUnavailableException(Throwable cause) {
			super("Link storage is temporarily unavailable", cause);
		}

	}

}
