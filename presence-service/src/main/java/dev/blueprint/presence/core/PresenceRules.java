package dev.blueprint.presence.core;

import java.time.Duration;
import java.time.Instant;

/**
 * Decides a user's presence from the user's live device leases (the session registry) and
 * choice. A user is connected while any device's lease runs; a device that stops renewing
 * counts until its lease ends. A user whose last device disconnected (before its lease
 * ended) stays as they were for the offline grace, and goes offline only if no device is
 * back by then, last seen when they left: a page reload, a network change or a gateway's
 * restart (its clients reconnect to another instance within seconds) is not pushed to
 * every contact as offline and online again. Plain Java: the caller passes the time.
 */
public final class PresenceRules {

	private final Duration lease;

	private final Duration offlineGrace;

	/**
	 * @param lease how long a device lease runs after its last renewal (the gateways'
	 * session lease)
	 * @param offlineGrace how long a user whose last device disconnected stays as they
	 * were, for a device to come back; zero: offline at once
	 */
	public PresenceRules(Duration lease, Duration offlineGrace) {
		if (offlineGrace.isNegative()) {
			throw new IllegalArgumentException("The offline grace must not be negative, was " + offlineGrace);
		}
		this.lease = lease;
		this.offlineGrace = offlineGrace;
	}

	/**
	 * Evaluates a user.
	 * @param previous what was stored ({@link Presence#UNKNOWN} if nothing)
	 * @param latestLeaseEnd when the user's latest device lease ends, live or ended (the
	 * registry lists a lease that ran out for a lease after its end), or {@code null}
	 * when the registry has none: every session was removed, or the last one ended longer
	 * ago
	 * @param now the time of the evaluation
	 * @return the new presence, whether others see a change, and when to look again
	 */
	public Evaluation evaluate(Presence previous, Instant latestLeaseEnd, Instant now) {
		boolean live = latestLeaseEnd != null && latestLeaseEnd.isAfter(now);
		Instant leftAt = live ? null : leftAt(previous, latestLeaseEnd, now);
		if (leftAt != null && now.isBefore(leftAt.plus(this.offlineGrace))) {
			return inGrace(previous, leftAt, now);
		}
		boolean connected = live;
		Status status = connected ? previous.choice().whileConnected() : Status.OFFLINE;
		Status visibleBefore = previous.status().visible();
		Status visibleAfter = status.visible();
		Instant lastSeen = previous.lastSeen();
		if (visibleAfter != visibleBefore) {
			if (visibleAfter.present() && !visibleBefore.present()) {
				lastSeen = now;
			}
			else if (!visibleAfter.present()) {
				lastSeen = lastPresent(previous, connected, leftAt, now);
			}
			else if (lastSeen == null) {
				// online <-> away keeps "since"
				lastSeen = now;
			}
		}
		Presence next = new Presence(previous.choice(), status, lastSeen, connected ? latestLeaseEnd : null, null);
		return new Evaluation(next, visibleAfter != visibleBefore, !next.equals(previous),
				connected ? latestLeaseEnd : null);
	}

	/**
	 * When a user with no live lease left, if that starts (or continues) an offline
	 * grace: the time stored by an earlier evaluation, or now for a user who was
	 * connected and disconnected, not whose leases ran out (those have had their lease of
	 * grace already); {@code null} otherwise. A disconnect: the user's known lease has
	 * not ended, or it has, but the registry lists no session though a lease that ran out
	 * would still be listed (for a lease after its end): it was removed, after the known
	 * end, which is then taken as when the user left. The second covers a disconnect
	 * between the end of the known lease and the sweep that looks at it. A stored time
	 * from before the user's known lease was last renewed is left over from an earlier
	 * departure (an instance of a version without the grace wrote the return) and is not
	 * taken.
	 */
	private Instant leftAt(Presence previous, Instant latestLeaseEnd, Instant now) {
		if (this.offlineGrace.isZero() || previous.status() == Status.OFFLINE || previous.leaseEnd() == null) {
			return null;
		}
		Instant left = previous.leftAt();
		if (left != null && !left.isBefore(previous.leaseEnd().minus(this.lease))) {
			return left;
		}
		if (previous.leaseEnd().isAfter(now)) {
			return now;
		}
		// Removed after the known lease ended (a removal before it would have had the
		// user looked at then): that end is the earliest it can have been, and the grace
		// runs from it, not from a sweep that came late.
		return (latestLeaseEnd == null && previous.leaseEnd().plus(this.lease).isAfter(now)) ? previous.leaseEnd()
				: null;
	}

	/**
	 * A user within the offline grace: shown as connected with the current choice (so a
	 * choice made meanwhile shows), looked at again when the grace ends.
	 */
	private Evaluation inGrace(Presence previous, Instant leftAt, Instant now) {
		Status status = previous.choice().whileConnected();
		Instant lastSeen = previous.lastSeen();
		Status visibleBefore = previous.status().visible();
		Status visibleAfter = status.visible();
		boolean visibleChange = visibleAfter != visibleBefore;
		if (visibleChange) {
			// a choice made meanwhile: shown since now, hidden since the user left,
			// online <-> away keeps "since"
			if (visibleAfter.present() && !visibleBefore.present()) {
				lastSeen = now;
			}
			else if (!visibleAfter.present()) {
				// shown present since lastSeen, if that is later (never backwards)
				lastSeen = (lastSeen != null && lastSeen.isAfter(leftAt)) ? lastSeen : leftAt;
			}
			else if (lastSeen == null) {
				lastSeen = now;
			}
		}
		Presence next = new Presence(previous.choice(), status, lastSeen, previous.leaseEnd(), leftAt);
		return new Evaluation(next, visibleChange, !next.equals(previous), leftAt.plus(this.offlineGrace));
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
	 * When a user who stops being present was last present: when the last device left, at
	 * the end of an offline grace ({@code leftAt}); now while a device is connected (the
	 * user went invisible) or when a device disconnected before its lease ended; at the
	 * last renewal when the leases ran out (no live lease, and the stored one ended
	 * before this evaluation). The stored lease end is that of the last evaluation: a
	 * connected user's is in the past from then until the next sweep (longer after an
	 * outage or a backlog), so it says nothing about a user who still has a live lease.
	 */
	private Instant lastPresent(Presence previous, boolean connected, Instant leftAt, Instant now) {
		Instant seen = now;
		if (!connected && leftAt != null) {
			// the end of an offline grace: last seen when the last device left
			seen = leftAt;
		}
		else if (!connected && previous.leaseEnd() != null && !previous.leaseEnd().isAfter(now)) {
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
