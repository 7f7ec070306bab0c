package dev.blueprint.chat.contracts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/**
 * A Kafka event of the chat system. The JSON {@code type} property names the record and
 * its version ({@code MessageSubmitted.v1}); a breaking change adds a new record with the
 * next version and consumers read both until the old one is gone.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(ChatEvent.MessageSubmitted.class),
		@JsonSubTypes.Type(ChatEvent.ConversationChanged.class), @JsonSubTypes.Type(ChatEvent.MessagePersisted.class),
		@JsonSubTypes.Type(ChatEvent.MessageRejected.class), @JsonSubTypes.Type(ChatEvent.ReceiptSubmitted.class),
		@JsonSubTypes.Type(ChatEvent.ReceiptRecorded.class) })
public sealed interface ChatEvent {

	/** The conversation the event belongs to; also the record key. */
	UUID conversationId();

	/**
	 * A client sent a message; the gateway accepted its shape. {@code messageId} is
	 * assigned by the gateway, so a replayed record keeps its id.
	 *
	 * @param origin the gateway instance and STOMP session that sent it, for an error
	 * reply
	 */
	@JsonTypeName("MessageSubmitted.v1")
	record MessageSubmitted(UUID conversationId, UUID messageId, String senderId, String clientMessageId, String body,
			Instant submittedAt, Origin origin) implements ChatEvent {
	}

	/**
	 * A conversation's membership changed. It travels on the same partition as the
	 * conversation's messages, so the sequencer applies it exactly between the messages
	 * before and after it: the sequencer's members are the log's, whatever the members
	 * table holds at the time.
	 * <p>
	 * {@code added} and {@code removed} say what changed (adding a member who is there or
	 * removing one who is not changes nothing, so a repeated event is harmless). A record
	 * written before they existed has neither (both {@code null}): the sequencer then
	 * takes the members table as it is when it reads the record, as it used to. Adding
	 * the two fields kept the version: readers ignore fields they do not know.
	 */
	@JsonTypeName("ConversationChanged.v1")
	record ConversationChanged(UUID conversationId, Instant changedAt, List<String> added,
			List<String> removed) implements ChatEvent {

		/** A member added. */
		public static ConversationChanged added(UUID conversationId, Instant at, String userId) {
			return new ConversationChanged(conversationId, at, List.of(userId), List.of());
		}

		/** A member removed. */
		public static ConversationChanged removed(UUID conversationId, Instant at, String userId) {
			return new ConversationChanged(conversationId, at, List.of(), List.of(userId));
		}

		/** Whether the record says what changed (not a record of the first format). */
		public boolean describesChange() {
			return this.added != null || this.removed != null;
		}

	}

	/**
	 * A message is durably stored with its sequence number.
	 *
	 * @param recipients the conversation's members when the message was sequenced, sender
	 * included (their other devices show it too)
	 * @param duplicate {@code true} when the client retried a message that was already
	 * stored: only the sender is told again (same seq), nobody receives it twice
	 */
	@JsonTypeName("MessagePersisted.v1")
	record MessagePersisted(UUID conversationId, long seq, UUID messageId, String senderId, String clientMessageId,
			String body, Instant sentAt, List<String> recipients, boolean duplicate,
			Origin origin) implements ChatEvent {
	}

	/**
	 * A message was refused (nothing stored); the sender's session gets an error frame.
	 */
	@JsonTypeName("MessageRejected.v1")
	record MessageRejected(UUID conversationId, String senderId, String clientMessageId, String code, String message,
			Origin origin) implements ChatEvent {
	}

	/**
	 * A client acknowledged a conversation up to {@code seq}: {@code delivered} (a device
	 * of the user received it) or {@code read} (the user read it). The gateway checked
	 * the frame's shape; chat-message-service checks membership and the conversation's
	 * last seq at this record's place in the log. A {@link MessageRejected} (without
	 * clientMessageId) answers a refused one.
	 *
	 * @param kind {@link GatewayDelivery.Receipt#DELIVERED} or
	 * {@link GatewayDelivery.Receipt#READ}
	 */
	@JsonTypeName("ReceiptSubmitted.v1")
	record ReceiptSubmitted(UUID conversationId, String userId, String kind, long seq, Instant submittedAt,
			Origin origin) implements ChatEvent {
	}

	/**
	 * A user's delivered or read watermark of a conversation moved up to {@code seq}
	 * (stored in Cassandra first). Published only when it moved; a read that also raised
	 * the delivered watermark is one {@code read} event.
	 *
	 * @param kind {@link GatewayDelivery.Receipt#DELIVERED} or
	 * {@link GatewayDelivery.Receipt#READ}
	 * @param recipients the conversation's members when it was recorded (the user
	 * included)
	 * @param origin the session that sent the receipt (it is not told about its own read)
	 */
	@JsonTypeName("ReceiptRecorded.v1")
	record ReceiptRecorded(UUID conversationId, String userId, String kind, long seq, Instant at,
			List<String> recipients, Origin origin) implements ChatEvent {

		/** What members receive on {@code /user/queue/receipts}. */
		public GatewayDelivery.Receipt payload() {
			return new GatewayDelivery.Receipt(this.conversationId, this.userId, this.kind, this.seq, this.at);
		}

	}

	/** Where a message came from: a gateway instance and one of its STOMP sessions. */
	record Origin(String gatewayId, String sessionId) {
	}

}
