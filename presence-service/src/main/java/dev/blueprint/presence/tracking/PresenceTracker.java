package dev.blueprint.presence.tracking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.PresenceRules;
import dev.blueprint.presence.core.Status;
import io.micrometer.core.instrument.Counter;
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

	private final PresenceStore store;

	private final SessionRegistry registry;

	private final PresenceRules rules;

	private final Clock clock;

	private final int batch;

	private final Duration claimTimeout;

	private final Map<Status, Counter> changes = new LinkedHashMap<>();

	private final AtomicLong online = new AtomicLong();

	public PresenceTracker(PresenceStore store, SessionRegistry registry, PresenceRules rules, Clock clock, int batch,
			Duration claimTimeout, MeterRegistry meters) {
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
		Gauge.builder("blueprint.chat.presence.online", this.online, AtomicLong::get)
			.description("Users with at least one live device (invisible ones included), as of the last sweep")
			.register(meters);
	}

	/** Evaluates the users that are due; runs every {@code presence.sweep-interval}. */
	@Scheduled(fixedDelayString = "${presence.sweep-interval:500ms}")
	public void sweep() {
		try {
			int evaluated;
			do {
				evaluated = sweepOnce();
			}
			while (evaluated == this.batch);
			this.online.set(this.store.tracked());
		}
		catch (RuntimeException ex) {
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
		Map<String, Instant> leases = this.registry.latestLeaseEnds(users);
		Map<String, Presence> stored = this.store.read(users);
		Map<String, Presence> writes = new LinkedHashMap<>();
		Map<String, Instant> nextChecks = new LinkedHashMap<>();
		List<PresenceChanged> published = new ArrayList<>();
		for (String user : users) {
			PresenceRules.Evaluation evaluation = this.rules.evaluate(stored.get(user), leases.get(user), now);
			collect(user, evaluation, now, writes, published);
			nextChecks.put(user, evaluation.nextCheck());
		}
		this.store.write(writes);
		this.store.publish(published);
		this.store.release(claimedUntil, nextChecks);
		count(published);
		return users.size();
	}

	/**
	 * Applies a user's choice at once.
	 * @return the user's presence as the user sees it
	 */
	public Presence choose(String user, Choice choice) {
		Instant now = this.clock.instant();
		Presence previous = this.store.read(List.of(user)).get(user);
		PresenceRules.Evaluation evaluation = this.rules.choose(previous, choice,
				this.registry.latestLeaseEnds(List.of(user)).get(user), now);
		Map<String, Presence> writes = new LinkedHashMap<>();
		List<PresenceChanged> published = new ArrayList<>();
		collect(user, evaluation, now, writes, published);
		this.store.write(writes);
		this.store.publish(published);
		count(published);
		return evaluation.presence();
	}

	/** The stored presence of each user. */
	public Map<String, Presence> presenceOf(Collection<String> users) {
		return this.store.read(users);
	}

	private static void collect(String user, PresenceRules.Evaluation evaluation, Instant now,
			Map<String, Presence> writes, List<PresenceChanged> published) {
		if (evaluation.changed()) {
			writes.put(user, evaluation.presence());
		}
		if (evaluation.visibleChange()) {
			Presence presence = evaluation.presence();
			published.add(new PresenceChanged(user, presence.status().visible().wire(), presence.lastSeen(), now));
		}
	}

	private void count(List<PresenceChanged> published) {
		for (PresenceChanged change : published) {
			this.changes.get(Status.fromWire(change.status())).increment();
		}
	}

}
