package dev.blueprint.chat.contracts;

/**
 * Kafka topic names of the chat system. Every topic is keyed by conversation id, so one
 * conversation lives in one partition and keeps its order.
 */
public final class ChatTopics {

	/**
	 * Gateway to chat-message-service: {@link ChatEvent.MessageSubmitted},
	 * {@link ChatEvent.ConversationChanged}, {@link ChatEvent.ReceiptSubmitted} (in the
	 * conversation's partition, so the sequencer checks a receipt against the messages
	 * before it).
	 */
	public static final String SUBMITTED = "chat.messages.submitted";

	/**
	 * chat-message-service to notification-service: {@link ChatEvent.MessagePersisted},
	 * {@link ChatEvent.MessageRejected}, {@link ChatEvent.ReceiptRecorded}.
	 */
	public static final String EVENTS = "chat.messages.events";

	/**
	 * Suffix of each topic's dead-letter topic, where records that cannot be decoded go.
	 */
	public static final String DEAD_LETTER_SUFFIX = ".dlt";

	private ChatTopics() {
	}

	public static String deadLetter(String topic) {
		return topic + DEAD_LETTER_SUFFIX;
	}

}
