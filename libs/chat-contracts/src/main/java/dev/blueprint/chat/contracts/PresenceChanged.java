package dev.blueprint.chat.contracts;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/**
 * A user's presence, as others see it, changed. Presence-service publishes it on the
 * Redis channel {@link #CHANNEL}; every gateway receives it and pushes {@link #payload()}
 * on {@code /user/queue/presence} to its sessions of users who share a conversation with
 * {@code userId}. At most once, like every Redis pub/sub message: a client that
 * reconnects reads presence through the REST API.
 *
 * @param userId whose presence changed
 * @param status {@code online}, {@code away} or {@code offline} (an invisible user is
 * {@code offline} here)
 * @param lastSeen for {@code online}/{@code away}: since when; for {@code offline}: when
 * the user was last seen online ({@code null} if never)
 * @param changedAt when presence-service decided the change
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonTypeName("PresenceChanged.v1")
public record PresenceChanged(String userId, String status, Instant lastSeen, Instant changedAt) {

	/** The Redis pub/sub channel presence changes are published on. */
	public static final String CHANNEL = "chat:presence";

	/** What a client receives on {@code /user/queue/presence}. */
	public Presence payload() {
		return new Presence(this.userId, this.status, this.lastSeen);
	}

	/** Payload of {@code /user/queue/presence} and of the presence REST API. */
	public record Presence(String userId, String status, Instant lastSeen) {
	}

}
