package dev.blueprint.chat.message.conversations;

/** The client errors of the chat REST API; each maps to one problem+json status. */
public final class ChatExceptions {

	private ChatExceptions() {
	}

	/** 400: a field is missing or invalid; {@code field} names it. */
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

	/** 404: no such conversation. */
	public static final class ConversationNotFoundException extends RuntimeException {

		public ConversationNotFoundException(Object id) {
			super("No conversation " + id);
		}

	}

	/** 403: the caller may not do this in the conversation. */
	public static final class ForbiddenException extends RuntimeException {

		public ForbiddenException(String message) {
			super(message);
		}

	}

	/**
	 * 409: the request conflicts with the conversation (e.g. adding a member to a direct
	 * one).
	 */
	public static final class ConflictException extends RuntimeException {

		public ConflictException(String message) {
			super(message);
		}

	}

}
