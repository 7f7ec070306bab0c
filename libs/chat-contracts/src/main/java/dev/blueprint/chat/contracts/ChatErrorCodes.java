package dev.blueprint.chat.contracts;

/**
 * The {@code code} of an error frame on {@code /user/queue/errors}, documented in
 * docs/chat-protocol.md. Codes are stable; messages are for people.
 */
public final class ChatErrorCodes {

	/** The frame's body is not a JSON object. */
	public static final String MALFORMED_JSON = "malformed-json";

	/** A required field is missing or blank; the message names it. */
	public static final String MISSING_FIELD = "missing-field";

	/** A field has the wrong type or shape; the message names it. */
	public static final String INVALID_FIELD = "invalid-field";

	/** The message body is longer than the configured limit. */
	public static final String BODY_TOO_LARGE = "body-too-large";

	/**
	 * No conversation has this id, or the id is not a UUID (typing frames and receipts).
	 */
	public static final String UNKNOWN_CONVERSATION = "unknown-conversation";

	/**
	 * The user is not a member of the conversation (a message, a typing frame or a
	 * receipt).
	 */
	public static final String NOT_A_MEMBER = "not-a-member";

	/** A receipt's seq is above the conversation's last seq. */
	public static final String RECEIPT_BEYOND_LAST = "receipt-beyond-last";

	/**
	 * Over the user's rate for this kind of frame (sends, typing frames or receipts: the
	 * gateway's {@code chat-send}, {@code chat-typing} and {@code chat-receipts} rules).
	 */
	public static final String RATE_LIMITED = "rate-limited";

	/**
	 * The message (or receipt) could not be handed to Kafka, or, for a typing frame, the
	 * gateway could not read the user's conversations; not acked. A message whose send
	 * timed out may still have reached Kafka and be stored: send it again with the same
	 * clientMessageId, which stores it once and acks it with its seq.
	 */
	public static final String RETRY = "retry";

	/**
	 * A SUBSCRIBE to anything but the user's own queues; the subscription is not made.
	 */
	public static final String FORBIDDEN_DESTINATION = "forbidden-destination";

	/** The frame went to a destination the gateway does not handle. */
	public static final String UNKNOWN_DESTINATION = "unknown-destination";

	private ChatErrorCodes() {
	}

}
