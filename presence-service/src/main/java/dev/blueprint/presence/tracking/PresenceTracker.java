package dev.blueprint.presence.tracking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.PresenceRules;
import dev.blueprint.presence.core.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Scheduled;

/**
 * Keeps every user's presence up to date. Each sweep claims the users that are due (a
 * device connected or disconnected, or their latest lease ends), reads their live leases
 * from the session registry, applies {@link PresenceRules}, stores the result, publishes
 * what others see change, and reschedules each connected user at the end of their latest
 * lease. Several instances can sweep side by side: a claim keeps a user to one of them.
 */
public class PresenceTracker {

	private static final Logger logger = LoggerFactory.getLogger(PresenceTracker.class);

	/** How often a user's choice is evaluated again after meeting a concurrent write. */
	static final int CHOICE_ATTEMPTS = 5;

	private final PresenceStore store;

	private final SessionRegistry registry;

	private final PresenceRules rules;

	private final Clock clock;

	private final int batch;

	private final Duration claimTimeout;

	private final Map<Status, Counter> changes = new LinkedHashMap<>();

	private final AtomicLong online = new AtomicLong();

	private final Counter sweepConflicts;

	private final Counter sweepFailures;

	private final Duration recoveryGrace;

	private final Counter recoveryHolds;

	/**
	 * When the first of the sweeps failing now started; {@code null} while they succeed.
	 */
	private volatile Instant failingSince;

	/** Who is held, until when (see {@link #sweep()}). */
	private volatile Hold hold = Hold.NONE;

	private final Counter choiceConflicts;

	private final Counter unreadable;

	private final DistributionSummary sweptUsers;

	public PresenceTracker(PresenceStore store, SessionRegistry registry, PresenceRules rules, Clock clock, int batch,
			Duration claimTimeout, MeterRegistry meters) {
		this(store, registry, rules, clock, batch, claimTimeout, Duration.ZERO, meters);
	}

	/**
	 * @param recoveryGrace how long after sweeps fail (Redis unreachable) a user whose
	 * leases ran out meanwhile is held as they were instead of going offline: the
	 * gateways could not renew either ({@code presence.recovery-grace}; zero: no hold)
	 */
	public PresenceTracker(PresenceStore store, SessionRegistry registry, PresenceRules rules, Clock clock, int batch,
			Duration claimTimeout, Duration recoveryGrace, MeterRegistry meters) {
		this.recoveryGrace = recoveryGrace;
		this.recoveryHolds = Counter.builder("blueprint.chat.presence.recovery.holds")
			.description("Users whose leases ran out while sweeps failed, held as they were for "
					+ "presence.recovery-grace after the sweeps recovered instead of going offline")
			.register(meters);
		this.store = store;
		this.registry = registry;
		this.rules = rules;
		this.clock = clock;
		this.batch = batch;
		this.claimTimeout = claimTimeout;
		for (Status status : List.of(Status.ONLINE, Status.AWAY, Status.OFFLINE)) {
			this.changes.put(status,
					Counter.builder("blueprint.chat.presence.changes")
						.description("Presence changes others see, by the new status")
						.tag("status", status.wire())
						.register(meters));
		}
		this.sweepConflicts = conflicts("sweep", meters);
		this.choiceConflicts = conflicts("choice", meters);
		this.unreadable = Counter.builder("blueprint.chat.presence.unreadable")
			.description("Reads of a user whose stored presence does not parse (logged): a sweep skips the user "
					+ "(retried after the claim timeout), a query answers the user as unknown, "
					+ "the user's own choice replaces it")
			.register(meters);
		this.sweptUsers = DistributionSummary.builder("blueprint.chat.presence.sweep.users")
			.description("Users one sweep evaluated, all its batches together")
			.register(meters);
		this.sweepFailures = Counter.builder("blueprint.chat.presence.sweep.failures")
			.description("Sweeps that failed (a Redis error): nobody is marked offline meanwhile")
			.register(meters);
		Gauge.builder("blueprint.chat.presence.online", this.online, AtomicLong::get)
			.description("Users scheduled for an evaluation, as of this instance's last sweep: those with a live "
					+ "device at their last evaluation (invisible ones included), plus those waiting for one")
			.register(meters);
	}

	private static Counter conflicts(String writer, MeterRegistry meters) {
		return Counter.builder("blueprint.chat.presence.write.conflicts")
			.description("Presence writes not applied because another writer changed the user's presence "
					+ "since it was read (the user is evaluated again), by the writer that yielded")
			.tag("writer", writer)
			.register(meters);
	}

	/**
	 * Evaluates the users that are due, batch after batch for at most the claim timeout;
	 * runs every {@code presence.sweep-interval}. The sweeps after a failed one hold
	 * users whose leases ran out for {@code presence.recovery-grace}
	 * ({@link #evaluateClaimed}).
	 */
	@Scheduled(fixedDelayString = "${presence.sweep-interval:500ms}")
	public void sweep() {
		Instant started = this.clock.instant();
		Instant failingSince = this.failingSince;
		if (failingSince != null) {
			this.hold = Hold.after(failingSince, started, this.recoveryGrace);
		}
		try {
			int evaluated;
			int total = 0;
			// Batch after batch while they come full, for at most the claim timeout: the
			// next sweep, an interval later, goes on from there. Unbounded, a backlog
			// (users due after an outage, a slow Redis) held the sweep, and with it a
			// shutdown (which waits for the task in progress), as long as it lasted.
			long until = System.nanoTime() + this.claimTimeout.toNanos();
			do {
				evaluated = sweepOnce();
				total += evaluated;
			}
			while (evaluated == this.batch && System.nanoTime() - until < 0);
			this.sweptUsers.record(total);
			this.online.set(this.store.tracked());
			if (failingSince != null) {
				// from its end: this sweep may have started long before Redis answered it
				this.hold = Hold.after(failingSince, this.clock.instant(), this.recoveryGrace);
				this.failingSince = null;
				logger.info(
						"Presence sweeps succeed again; users whose leases ran out meanwhile are held as they were "
								+ "until {} (presence.recovery-grace), for their gateways to renew them",
						this.hold.until());
			}
		}
		catch (RuntimeException ex) {
			if (this.failingSince == null) {
				this.failingSince = started;
			}
			// While sweeps fail (Redis read-only, or refusing writes at maxmemory, while
			// PING still answers) nobody goes offline and the online gauge keeps its last
			// value: counted, for the alert BlueprintPresenceSweepsFailing.
			this.sweepFailures.increment();
			logger.warn("Presence sweep failed (retried next interval): {}", ex.toString());
		}
	}

	/** One batch; returns how many users it evaluated. */
	int sweepOnce() {
		Instant now = this.clock.instant();
		Instant claimedUntil = now.plus(this.claimTimeout);
		List<String> users = this.store.claimDue(now, this.batch, claimedUntil);
		if (users.isEmpty()) {
			return 0;
		}
		evaluateClaimed(users, now, claimedUntil);
		return users.size();
	}

	/**
	 * Evaluates users claimed until {@code claimedUntil}, stores and publishes what
	 * changed, and reschedules them. A user whose presence another writer changed
	 * meanwhile (the user's own choice on any instance) is left as that writer stored it
	 * and evaluated again at once. A user whose stored presence does not parse is skipped
	 * (and counted), and stays claimed: it is tried again after the claim timeout, while
	 * the rest of the batch goes on (one such user used to fail every user claimed with
	 * it, on every attempt).
	 */
	void evaluateClaimed(List<String> users, Instant now, Instant claimedUntil) {
		// ended leases included: the rules tell a lease that ran out from a removed
		// session
		Map<String, Instant> leases = this.registry.latestLeases(users);
		Map<String, PresenceStore.Stored> stored = read(users);
		List<PresenceStore.Update> updates = new ArrayList<>();
		Map<String, Instant> nextChecks = new LinkedHashMap<>();
		Hold hold = this.hold;
		for (String user : users) {
			PresenceStore.Stored previous = stored.get(user);
			if (!previous.readable()) {
				continue;
			}
			Presence before = previous.presence();
			Instant lease = leases.get(user);
			if (hold.holds(before, lease != null && lease.isAfter(now), now)) {
				// Its leases ran out (no live one, the last one known ended) while Redis
				// was unreachable: its gateway could not renew them either. Looked at
				// again once the gateways had a heartbeat to do so; offline then, last
				// seen at its last renewal, if it is gone. A user whose known lease
				// ended before the failures, or after them, is not held: a failure does
				// not postpone anyone else's going offline. Nor is a user whose last
				// device
				// left (in an offline grace): that was no lease running out.
				nextChecks.put(user, hold.until());
				this.recoveryHolds.increment();
				continue;
			}
			PresenceRules.Evaluation evaluation = this.rules.evaluate(previous.presence(), lease, now);
			PresenceStore.Update update = update(user, previous, evaluation, now);
			if (update != null) {
				updates.add(update);
			}
			nextChecks.put(user, evaluation.nextCheck());
		}
		Set<String> conflicted = this.store.apply(updates);
		for (String user : conflicted) {
			nextChecks.put(user, now);
			this.sweepConflicts.increment();
		}
		this.store.release(claimedUntil, nextChecks);
		rescheduleRenewedMeanwhile(nextChecks);
		for (PresenceStore.Update update : updates) {
			if (!conflicted.contains(update.user())) {
				count(update);
			}
		}
	}

	/**
	 * A renewal schedules its user only if the user is not scheduled, and a claimed user
	 * is: a session re-registered between this sweep's lease read and its release (e.g.
	 * right after the user went offline) left no mark, and the release forgot the user.
	 * Each user released with no next check whose lease is live now is scheduled again at
	 * once instead of waiting for its next heartbeat.
	 */
	private void rescheduleRenewedMeanwhile(Map<String, Instant> nextChecks) {
		List<String> forgotten = new ArrayList<>();
		nextChecks.forEach((user, next) -> {
			if (next == null) {
				forgotten.add(user);
			}
		});
		if (forgotten.isEmpty()) {
			return;
		}
		Set<String> renewed = this.registry.latestLeaseEnds(forgotten).keySet();
		if (!renewed.isEmpty()) {
			this.store.scheduleNow(renewed, this.clock.instant());
		}
	}

	/**
	 * Users whose last known lease ended from {@code from} to {@code to} (the failing
	 * sweeps, and a grace before them: a user due just before the failures may not have
	 * been evaluated yet) are held until {@code until}.
	 */
	record Hold(Instant from, Instant to, Instant until) {

		static final Hold NONE = new Hold(Instant.MIN, Instant.MIN, Instant.MIN);

		static Hold after(Instant failingSince, Instant now, Duration grace) {
			return new Hold(failingSince.minus(grace), now, now.plus(grace));
		}

		/**
		 * Whether a user is held: not offline, with no live lease, and not in an offline
		 * grace (that user's last device left; no lease ran out), whose known lease ended
		 * within the hold's window.
		 */
		boolean holds(Presence before, boolean live, Instant now) {
			return !live && before.status() != Status.OFFLINE && before.leftAt() == null
					&& holds(before.leaseEnd(), now);
		}

		boolean holds(Instant leaseEnd, Instant now) {
			return leaseEnd != null && now.isBefore(this.until) && !leaseEnd.isAfter(now)
					&& !leaseEnd.isBefore(this.from) && !leaseEnd.isAfter(this.to);
		}

	}

	/**
	 * Applies a user's choice at once. Should a sweep (or another of the user's devices)
	 * write the user's presence between this read and this write, the choice is evaluated
	 * again on what that writer stored, up to {@value #CHOICE_ATTEMPTS} times. A stored
	 * presence that does not parse is evaluated as unknown and replaced (at the version
	 * it was read at), so the user recovers by choosing.
	 * @return the user's presence as the user sees it
	 * @throws PresenceBusyException if every attempt met another write
	 */
	public Presence choose(String user, Choice choice) {
		for (int attempt = 1; attempt <= CHOICE_ATTEMPTS; attempt++) {
			Instant now = this.clock.instant();
			PresenceStore.Stored previous = read(List.of(user)).get(user);
			PresenceRules.Evaluation evaluation = this.rules.choose(previous.presence(), choice,
					this.registry.latestLeases(List.of(user)).get(user), now);
			PresenceStore.Update update = update(user, previous, evaluation, now);
			if (update == null) {
				return evaluation.presence();
			}
			if (this.store.apply(List.of(update)).isEmpty()) {
				count(update);
				return evaluation.presence();
			}
			this.choiceConflicts.increment();
		}
		throw new PresenceBusyException(user, CHOICE_ATTEMPTS);
	}

	/**
	 * The stored presence of each user; {@link Presence#UNKNOWN} for a user whose stored
	 * presence does not parse (counted), as for one with none, so one such user does not
	 * fail a query of others.
	 */
	public Map<String, Presence> presenceOf(Collection<String> users) {
		Map<String, Presence> presences = new LinkedHashMap<>();
		read(users).forEach((user, stored) -> presences.put(user, stored.presence()));
		return presences;
	}

	/** The stored presence of each user, counting those that do not parse. */
	private Map<String, PresenceStore.Stored> read(Collection<String> users) {
		Map<String, PresenceStore.Stored> stored = this.store.readVersioned(users);
		for (PresenceStore.Stored one : stored.values()) {
			if (!one.readable()) {
				this.unreadable.increment();
			}
		}
		return stored;
	}

	/**
	 * What to store and publish for an evaluation; {@code null} when nothing. A stored
	 * presence that does not parse is always replaced.
	 */
	private static PresenceStore.Update update(String user, PresenceStore.Stored previous,
			PresenceRules.Evaluation evaluation, Instant now) {
		boolean write = evaluation.changed() || !previous.readable();
		if (!write && !evaluation.visibleChange()) {
			return null;
		}
		Presence presence = evaluation.presence();
		PresenceChanged change = evaluation.visibleChange()
				? new PresenceChanged(user, presence.status().visible().wire(), presence.lastSeen(), now) : null;
		return new PresenceStore.Update(user, previous.version(), write ? presence : null, change);
	}

	private void count(PresenceStore.Update update) {
		if (update.change() != null) {
			this.changes.get(Status.fromWire(update.change().status())).increment();
		}
	}

	/**
	 * A user's choice met a concurrent write of the user's presence on every attempt; the
	 * client may retry.
	 */
	public static class PresenceBusyException extends RuntimeException {

		public PresenceBusyException(String user, int attempts) {
			super("The presence of " + user + " changed concurrently on " + attempts + " attempts");
		}

	}

}
