package dev.blueprint.presence.core;

import java.time.Instant;

/**
 * What presence-service keeps per user.
 *
 * @param choice what the user chose to show while connected
 * @param status the current status ({@link Status#INVISIBLE} included)
 * @param lastSeen for a present user: since when; otherwise when the user was last seen
 * present by others ({@code null} if never)
 * @param leaseEnd the end of the user's latest device lease at the last evaluation
 * ({@code null} while offline)
 * @param leftAt when the user's last device disconnected, while the user is held as they
 * were for the offline grace ({@code null} otherwise)
 */
public record Presence(Choice choice, Status status, Instant lastSeen, Instant leaseEnd, Instant leftAt) {

	/** A user presence-service knows nothing about. */
	public static final Presence UNKNOWN = new Presence(Choice.ONLINE, Status.OFFLINE, null, null);

	public Presence {
		if (choice == null) {
			choice = Choice.ONLINE;
		}
		if (status == null) {
			status = Status.OFFLINE;
		}
	}

	/** A presence outside an offline grace. */
	public Presence(Choice choice, Status status, Instant lastSeen, Instant leaseEnd) {
		this(choice, status, lastSeen, leaseEnd, null);
	}

	public Presence withChoice(Choice newChoice) {
		return new Presence(newChoice, this.status, this.lastSeen, this.leaseEnd, this.leftAt);
	}

}
