package dev.blueprint.presence.core;

import java.time.Duration;
import java.time.Instant;

/**
 * Decides a user's presence from the user's live device leases (the session registry) and
 * choice. A user is connected while any device's lease runs; a device that stops renewing
 * counts until its lease ends. Plain Java: the caller passes the time.
 */
public final class PresenceRules {

	private final Duration lease;

	/**
	 * @param lease how long a device lease runs after its last renewal (the gateways'
	 * session lease)
	 */
	public PresenceRules(Duration lease) {
		this.lease = lease;
	}

	/**
	 * Evaluates a user.
	 * @param previous what was stored ({@link Presence#UNKNOWN} if nothing)
	 * @param latestLeaseEnd when the user's latest live device lease ends, or
	 * {@code null} when the user has none
	 * @param now the time of the evaluation
	 * @return the new presence, whether others see a change, and when to look again
	 */
	public Evaluation evaluate(Presence previous, Instant latestLeaseEnd, Instant now) {
		boolean connected = latestLeaseEnd != null && latestLeaseEnd.isAfter(now);
		Status status = connected ? previous.choice().whileConnected() : Status.OFFLINE;
		Status visibleBefore = previous.status().visible();
		Status visibleAfter = status.visible();
		Instant lastSeen = previous.lastSeen();
		if (visibleAfter != visibleBefore) {
			if (visibleAfter.present() && !visibleBefore.present()) {
				lastSeen = now;
			}
			else if (!visibleAfter.present()) {
				lastSeen = lastPresent(previous, connected, now);
			}
			else if (lastSeen == null) {
				// online <-> away keeps "since"
				lastSeen = now;
			}
		}
		Presence next = new Presence(previous.choice(), status, lastSeen, connected ? latestLeaseEnd : null);
		return new Evaluation(next, visibleAfter != visibleBefore, !next.equals(previous),
				connected ? latestLeaseEnd : null);
	}

	/**
	 * A user's new choice, applied to the current leases.
	 */
	public Evaluation choose(Presence previous, Choice choice, Instant latestLeaseEnd, Instant now) {
		Evaluation evaluation = evaluate(previous.withChoice(choice), latestLeaseEnd, now);
		boolean visibleChange = previous.status().visible() != evaluation.presence().status().visible();
		return new Evaluation(evaluation.presence(), visibleChange, !evaluation.presence().equals(previous),
				evaluation.nextCheck());
	}

	/**
	 * When a user who stops being present was last present: now while a device is
	 * connected (the user went invisible) or when a device disconnected before its lease
	 * ended; at the last renewal when the leases ran out (no live lease, and the stored
	 * one ended before this evaluation). The stored lease end is that of the last
	 * evaluation: a connected user's is in the past from then until the next sweep
	 * (longer after an outage or a backlog), so it says nothing about a user who still
	 * has a live lease.
	 */
	private Instant lastPresent(Presence previous, boolean connected, Instant now) {
		Instant seen = now;
		if (!connected && previous.leaseEnd() != null && !previous.leaseEnd().isAfter(now)) {
			seen = previous.leaseEnd().minus(this.lease);
		}
		if (previous.lastSeen() != null && seen.isBefore(previous.lastSeen())) {
			seen = previous.lastSeen();
		}
		return seen;
	}

	/**
	 * The outcome of an evaluation.
	 *
	 * @param presence the new presence to store
	 * @param visibleChange whether others see a different status (publish it)
	 * @param changed whether anything stored changed
	 * @param nextCheck when to look at the user again ({@code null}: not until one of the
	 * user's devices connects)
	 */
	public record Evaluation(Presence presence, boolean visibleChange, boolean changed, Instant nextCheck) {

	}

}
