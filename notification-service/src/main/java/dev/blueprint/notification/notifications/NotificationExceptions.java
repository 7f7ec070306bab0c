package dev.blueprint.notification.notifications;

/**
 * The client errors of the notifications REST API; each maps to one problem+json status.
 */
public final class NotificationExceptions {

	private NotificationExceptions() {
	}

	/** 400: a parameter is missing or invalid; {@code field} names it. */
	public static final class InvalidFieldException extends RuntimeException {

		private final String field;

		public InvalidFieldException(String field, String message) {
			super(message);
			this.field = field;
		}

		public String field() {
			return this.field;
		}

	}

	/** 404: the caller has no current notification with this id. */
	public static final class NotificationNotFoundException extends RuntimeException {

		public NotificationNotFoundException(Object id) {
			super("No notification " + id);
		}

	}

}
