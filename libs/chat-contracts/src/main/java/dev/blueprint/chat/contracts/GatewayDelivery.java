package dev.blueprint.chat.contracts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/**
 * The last hop: what notification-service publishes on a gateway instance's Redis channel
 * ({@link #channel(String)}). Redis pub/sub delivers at most once; a client that misses a
 * message sees a gap in {@code seq} and fills it from history.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({ @JsonSubTypes.Type(GatewayDelivery.MessageDelivery.class),
		@JsonSubTypes.Type(GatewayDelivery.AckDelivery.class), @JsonSubTypes.Type(GatewayDelivery.ErrorDelivery.class),
		@JsonSubTypes.Type(GatewayDelivery.TypingDelivery.class),
		@JsonSubTypes.Type(GatewayDelivery.ReceiptDelivery.class), @JsonSubTypes.Type(GatewayDelivery.Batch.class) })
public sealed interface GatewayDelivery {

	/**
	 * Not a gateway id (those are letters, digits, '.', '_', ':' and '-'): deliveries
	 * published on its channel, {@code chat:gateway:*} (a channel name, not a pattern),
	 * reach every gateway, and each pushes them to those of their users it holds sessions
	 * of. notification-service sends a user's deliveries this way when it could not look
	 * up where the user's sessions are (the Redis node holding their key did not answer,
	 * e.g. during a Redis Cluster failover). Added 2026-12-08: a gateway from before does
	 * not subscribe to it, and its users miss such deliveries (they fill the gap from
	 * history).
	 */
	String EVERY_GATEWAY = "*";

	/**
	 * The channel a gateway instance subscribes to (and, for {@link #EVERY_GATEWAY}, the
	 * one every gateway subscribes to as well).
	 */
	static String channel(String gatewayId) {
		return "chat:gateway:" + gatewayId;
	}

	/**
	 * Several deliveries in one publish, to be handled in their order:
	 * notification-service sends the deliveries of one polled batch for one gateway this
	 * way, up to {@code notification.deliveries-per-publish} in each (one Redis message
	 * and one wake-up of the gateway's delivery thread instead of one per delivery).
	 * Added 2026-12-04: a gateway from before ignores it as unreadable, so gateways are
	 * upgraded first (or notification-service runs with one delivery per publish until
	 * they are).
	 */
	@JsonTypeName("batch")
	record Batch(List<GatewayDelivery> deliveries) implements GatewayDelivery {

		public Batch {
			deliveries = List.copyOf(deliveries);
		}

	}

	/** Send {@code message} to every session of {@code users} on this gateway. */
	@JsonTypeName("message")
	record MessageDelivery(List<String> users, ChatMessage message) implements GatewayDelivery {
	}

	/** Tell the sender's sessions that a message is stored, with its seq. */
	@JsonTypeName("ack")
	record AckDelivery(List<String> users, MessageAck ack) implements GatewayDelivery {
	}

	/** An error for one session (or all of the user's sessions when it is gone). */
	@JsonTypeName("error")
	record ErrorDelivery(String user, String sessionId, ChatError error) implements GatewayDelivery {
	}

	/**
	 * A member is typing: send {@code typing} to every session of {@code users} on this
	 * gateway. Published by the typing member's gateway; never stored.
	 */
	@JsonTypeName("typing")
	record TypingDelivery(List<String> users, Typing typing) implements GatewayDelivery {
	}

	/**
	 * Payload of {@code /user/queue/typing}. Clients show it for a few seconds (5 s is
	 * the documented expiry) unless a newer one arrives; {@code typing: false} clears it
	 * at once.
	 */
	record Typing(UUID conversationId, String userId, boolean typing) {
	}

	/**
	 * A member's delivered or read watermark moved: send {@code receipt} to every session
	 * of {@code users} on this gateway, except the session {@code exceptSessionId} of the
	 * user who sent the receipt (it knows).
	 */
	@JsonTypeName("receipt")
	record ReceiptDelivery(List<String> users, Receipt receipt, String exceptSessionId) implements GatewayDelivery {
	}

	/**
	 * Payload of {@code /user/queue/receipts}: {@code userId} has received
	 * ({@code delivered}) or read ({@code read}) the conversation up to {@code seq}.
	 */
	record Receipt(UUID conversationId, String userId, String type, long seq, Instant at) {

		public static final String DELIVERED = "delivered";

		public static final String READ = "read";

	}

	/** Payload of {@code /user/queue/messages}. */
	record ChatMessage(UUID conversationId, long seq, UUID messageId, String senderId, String body, Instant sentAt) {
	}

	/** Payload of {@code /user/queue/acks}. */
	record MessageAck(String clientMessageId, UUID conversationId, long seq) {
	}

	/** Payload of {@code /user/queue/errors}. */
	record ChatError(String code, String message, String clientMessageId) {
	}

}
