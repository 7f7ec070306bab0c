package dev.blueprint.notification.notifications;

/**
 * The client errors of the notifications REST API; each maps to one problem+json status.
 * A missing or invalid parameter is the platform's
 * {@link dev.blueprint.platform.web.InvalidFieldException} (400).
 */
public final class NotificationExceptions {

	private NotificationExceptions() {
	}

	/** 404: the caller has no current notification with this id. */
	public static final class NotificationNotFoundException extends RuntimeException {

		public NotificationNotFoundException(Object id) {
			super("No notification " + id);
		}

	}

}
