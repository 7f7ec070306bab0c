package dev.blueprint.chat.contracts;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/**
 * A push notification was given up: notification-service publishes it on {@link #TOPIC}
 * (keyed by user id) after its retries ran out, the provider refused it for good, or the
 * push queue was full. The notification itself stays stored and listed; the record holds
 * the whole push so an operator can replay it.
 *
 * @param push what the provider was asked to send
 * @param provider {@code webhook} or {@code log}
 * @param attempts how many sends were tried (0 for {@code overflow})
 * @param reason {@code attempts-exhausted}, {@code time-exhausted}, {@code rejected} (a
 * 4xx other than 408/429: retrying cannot help), {@code overflow} (the queue was full) or
 * {@code shutdown} (still pending when the service stopped; an attempt then in flight may
 * have reached the provider)
 * @param lastError the last failure, for people
 * @param firstAttemptAt when the first send was tried ({@code null} for {@code overflow},
 * and for {@code shutdown} before any)
 * @param deadLetteredAt when it was given up
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonTypeName("PushDeadLettered.v1")
public record PushDeadLettered(Push push, String provider, int attempts, String reason, String lastError,
		Instant firstAttemptAt, Instant deadLetteredAt) {

	/** The dead-letter topic of push notifications. */
	public static final String TOPIC = "chat.push.dlt";

	/**
	 * One push: the collapsed notification of a user in a conversation. This is the JSON
	 * body the webhook provider POSTs. A newer push with the same {@code collapseKey}
	 * replaces an older one on the device (FCM {@code collapse_key}, APNs
	 * {@code apns-collapse-id}).
	 *
	 * @param notificationId the notification (GET /api/v1/notifications)
	 * @param count messages collapsed into it since the user last saw it
	 * @param firstSeq the first of those messages: the client reads history from here
	 * @param latestSeq the latest of those messages
	 * @param preview the start of the latest message's body ({@code null} when previews
	 * are off)
	 */
	public record Push(UUID notificationId, String userId, UUID conversationId, int count, long firstSeq,
			long latestSeq, UUID latestMessageId, String senderId, String preview, String collapseKey,
			Instant createdAt, Instant updatedAt) {
	}

}
