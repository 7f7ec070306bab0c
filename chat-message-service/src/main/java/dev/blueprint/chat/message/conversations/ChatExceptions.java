package dev.blueprint.chat.message.conversations;

/**
 * The client errors of the chat REST API; each maps to one problem+json status. A missing
 * or invalid field is the platform's
 * {@link dev.blueprint.platform.web.InvalidFieldException} (400).
 */
public final class ChatExceptions {

	private ChatExceptions() {
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
	 * 202: a membership change is in the message log but the sequencer has not applied it
	 * within the timeout (it is behind, or Cassandra is down); it will apply.
	 */
	public static final class ChangePendingException extends RuntimeException {

		public ChangePendingException() {
			super("The change is in the message log and will apply; the message sequencer has not reached it yet");
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
