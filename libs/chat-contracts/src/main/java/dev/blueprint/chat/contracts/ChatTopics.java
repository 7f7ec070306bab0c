package dev.blueprint.chat.contracts;

/**
 * Kafka topic names of the chat system. These topics are keyed by conversation id, so one
 * conversation lives in one partition and keeps its order (notification-service's
 * {@link PushDeadLettered#TOPIC} is keyed by user id).
 */
public final class ChatTopics {

	/**
	 * To chat-message-service's sequencer: {@link ChatEvent.MessageSubmitted} and
	 * {@link ChatEvent.ReceiptSubmitted} from the gateways,
	 * {@link ChatEvent.ConversationChanged} from chat-message-service's own membership
	 * calls (in the conversation's partition, so the sequencer checks a receipt against
	 * the messages before it).
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
