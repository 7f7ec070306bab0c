package dev.blueprint.presence.tracking;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.Status;
import dev.blueprint.presence.support.PresenceIntegrationTest;
import dev.blueprint.testsupport.TestInfrastructure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence transitions driven by the session registry, with their timing: a device
 * connecting, disconnecting, and going silent (its lease running out), and a user with
 * two devices.
 */
class PresenceTrackingIntegrationTests extends PresenceIntegrationTest {

	/** Slack for a loaded build machine on top of the sweep interval. */
	private static final Duration SLACK = Duration.ofMillis(800);

	/**
	 * How long a test waits for the reaction to a renewal or a removal where the time it
	 * takes is not what the test checks: SWEEP + SLACK (1 s) failed once in a clean CI
	 * run on a slower machine (2026-12-03).
	 */
	private static final Duration REACTION = SWEEP.plus(SLACK).plusSeconds(4);

	/** A last seen as an older schema might have stored it: not epoch milliseconds. */
	private static final String DATE = "2026-12-01T10:15:30Z";

	@Autowired
	PresenceTracker tracker;

	@Autowired
	PresenceStore store;

	@Autowired
	MeterRegistry meters;

	@Test
	void aConnectingDeviceMakesTheUserOnlineWithinASweepAndADisconnectOfflineAfterTheOfflineGrace() throws Exception {
		String alice = unique("alice");
		Session phone = new Session(alice, "gw-a", "phone");
		Instant connected = Instant.now();
		// renewed, as a gateway does: a removal after the lease ran out is no disconnect
		try (AutoCloseable renewed = heartbeat(phone)) {
			PresenceChanged online = expectChange(alice, SWEEP.plus(SLACK));
			assertThat(online.status()).isEqualTo("online");
			assertThat(online.lastSeen()).isBetween(connected, Instant.now());
			assertThat(this.tracker.presenceOf(List.of(alice)).get(alice).status()).isEqualTo(Status.ONLINE);
		}

		Instant disconnected = Instant.now();
		gateway().remove(phone);
		// Within a sweep the grace begins: still online, and when she left is stored.
		assertThat(awaitLeftAt(alice, SWEEP.plus(SLACK))).as("left at")
			.isBetween(disconnected.truncatedTo(ChronoUnit.MILLIS), Instant.now());
		assertThat(this.tracker.presenceOf(List.of(alice)).get(alice).status()).isEqualTo(Status.ONLINE);
		PresenceChanged offline = expectChange(alice, OFFLINE_GRACE.plus(SWEEP).plus(SLACK));
		assertThat(offline.status()).isEqualTo("offline");
		// last seen when she left, not when the grace ended
		assertThat(offline.lastSeen()).isBetween(disconnected.truncatedTo(ChronoUnit.MILLIS),
				disconnected.plus(SWEEP).plus(SLACK));
		assertThat(Duration.between(disconnected, offline.changedAt())).isGreaterThanOrEqualTo(OFFLINE_GRACE);
		assertThat(this.tracker.presenceOf(List.of(alice)).get(alice).leftAt()).isNull();
		// The sweep publishes the change, then ends its claim on the user: with no
		// session left the user is forgotten (not rescheduled) right after.
		assertThat(dueScoreAfter(alice, SLACK)).isNull();
	}

	/**
	 * A device that comes back within the offline grace, on another gateway (its old one
	 * restarting): the user's contacts see no change at all, and the user is online since
	 * the first connect. Before the grace they saw offline, then online again, for every
	 * user of a gateway at each of its deploys. Its registration ends the grace at once,
	 * so a second departure starts a grace of its own and is last seen then.
	 */
	@Test
	void aDeviceBackWithinTheOfflineGraceChangesNothingOthersSee() throws Exception {
		String bob = unique("bob");
		Session phone = new Session(bob, "gw-a", "phone");
		PresenceChanged online;
		try (AutoCloseable renewed = heartbeat(phone)) {
			online = expectChange(bob, REACTION);
			assertThat(online.status()).isEqualTo("online");
		}

		gateway().remove(phone);
		assertThat(awaitLeftAt(bob, SWEEP.plus(SLACK))).as("in the grace").isNotNull();
		Session again = new Session(bob, "gw-b", "phone-again");
		gateway().register(List.of(again));
		Instant leftAgain;
		try (AutoCloseable connected = heartbeat(again)) {
			// the registration had the user evaluated at once: the grace is over
			assertThat(awaitNoLeftAt(bob, SWEEP.plus(SLACK))).as("left at, after the registration").isNull();
			// Past the first grace's end and its sweep, with room: no change was
			// published.
			assertThat(nextChange(bob, OFFLINE_GRACE.plus(SWEEP).plus(SLACK).plusSeconds(1))).isNull();
			Presence presence = this.tracker.presenceOf(List.of(bob)).get(bob);
			assertThat(presence.status()).isEqualTo(Status.ONLINE);
			assertThat(presence.lastSeen()).as("online since the first connect")
				.isEqualTo(online.lastSeen().truncatedTo(ChronoUnit.MILLIS));
			leftAgain = Instant.now();
		}
		gateway().remove(again);
		PresenceChanged offline = expectChange(bob, OFFLINE_GRACE.plus(REACTION));
		assertThat(offline.status()).isEqualTo("offline");
		assertThat(offline.lastSeen()).as("last seen when the device left the second time")
			.isAfterOrEqualTo(leftAgain.truncatedTo(ChronoUnit.MILLIS));
		assertThat(Duration.between(leftAgain, offline.changedAt())).isGreaterThanOrEqualTo(OFFLINE_GRACE);
	}

	/**
	 * Two users online as of an evaluation whose known lease ended 300 ms ago (a renewal
	 * had extended it; the sweep at its end has not run yet): one's device disconnected
	 * meanwhile (its session removed), the other's went silent (its lease ran out then,
	 * still listed, ended). The first starts the offline grace; the second goes offline
	 * at once, last seen at its last renewal. Until 2026-12-07 both went offline at once:
	 * the registry kept no trace that told them apart.
	 */
	@Test
	void aDisconnectAfterTheKnownLeaseEndedStartsTheGraceAndALeaseThatRanOutDoesNot() {
		String gone = unique("gone");
		String silent = unique("silent");
		Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
		Instant knownEnd = now.minusMillis(300);
		Instant claimedUntil = now.plusSeconds(10);
		for (String user : List.of(gone, silent)) {
			// claimed for this test first: the application's sweeps leave them alone
			this.redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, user, claimedUntil.toEpochMilli());
			this.redis.opsForHash()
				.putAll(PresenceStore.key(user),
						Map.of("choice", "online", "status", "online", "lastSeen",
								Long.toString(now.minusSeconds(60).toEpochMilli()), "leaseEnd",
								Long.toString(knownEnd.toEpochMilli()), "version", "1"));
		}
		gatewayAt(knownEnd.minus(LEASE)).renew(List.of(new Session(silent, "gw-a", "phone")));

		this.tracker.evaluateClaimed(List.of(gone, silent), now, claimedUntil);

		Map<String, Presence> after = this.tracker.presenceOf(List.of(gone, silent));
		assertThat(after.get(gone).status()).as("in the grace").isEqualTo(Status.ONLINE);
		assertThat(after.get(gone).leftAt()).as("the earliest it can have left").isEqualTo(knownEnd);
		assertThat(after.get(silent).status()).isEqualTo(Status.OFFLINE);
		assertThat(after.get(silent).lastSeen()).as("at its last renewal").isEqualTo(knownEnd.minus(LEASE));
		this.redis
			.delete(List.of(PresenceStore.key(gone), PresenceStore.key(silent), "chat:sessions:{" + silent + "}"));
		this.redis.opsForZSet().remove(SessionRegistry.PRESENCE_DUE, gone, silent);
	}

	/**
	 * When the user's last device left, as stored, once it is or {@code timeout} passed.
	 */
	private Instant awaitLeftAt(String user, Duration timeout) throws InterruptedException {
		return awaitStoredLeftAt(user, true, timeout);
	}

	/** The same, once it is cleared (the grace over) or {@code timeout} passed. */
	private Instant awaitNoLeftAt(String user, Duration timeout) throws InterruptedException {
		return awaitStoredLeftAt(user, false, timeout);
	}

	private Instant awaitStoredLeftAt(String user, boolean stored, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		Instant leftAt = this.tracker.presenceOf(List.of(user)).get(user).leftAt();
		while ((leftAt != null) != stored && System.nanoTime() < deadline) {
			Thread.sleep(20);
			leftAt = this.tracker.presenceOf(List.of(user)).get(user).leftAt();
		}
		return leftAt;
	}

	/** The user's due score once it is gone or {@code timeout} has passed. */
	private Double dueScoreAfter(String user, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		Double score = this.redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, user);
		while (score != null && System.nanoTime() < deadline) {
			Thread.sleep(20);
			score = this.redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, user);
		}
		return score;
	}

	/**
	 * Redis refusing writes while it still answers PING (here: no replica for
	 * {@code min-replicas-to-write}; a read-only replica after a failover, or a full one,
	 * alike): the sweeps fail, nobody goes offline, and health stays UP, so the failures
	 * are counted for the alert. Before, only a WARN log showed it.
	 */
	@Test
	void sweepsThatRedisRefusesAreCounted() throws Exception {
		double before = this.meters.counter("blueprint.chat.presence.sweep.failures").count();
		Session phone = new Session(unique("dave"), "gw-a", "phone");
		// due in a second, after Redis refuses writes: due now, a sweep could evaluate
		// him before, and nothing would be due for the lease
		gatewayAt(Instant.now().plusSeconds(1)).renew(List.of(phone));
		this.redis.execute((org.springframework.data.redis.core.RedisCallback<Object>) (connection) -> {
			connection.serverCommands().setConfig("min-replicas-to-write", "1");
			return null;
		});
		try {
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (this.meters.counter("blueprint.chat.presence.sweep.failures").count() < before + 2
					&& System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
		}
		finally {
			this.redis.execute((org.springframework.data.redis.core.RedisCallback<Object>) (connection) -> {
				connection.serverCommands().setConfig("min-replicas-to-write", "0");
				return null;
			});
		}
		assertThat(this.meters.counter("blueprint.chat.presence.sweep.failures").count())
			.isGreaterThanOrEqualTo(before + 2);
	}

	/**
	 * Redis unreachable for longer than a lease (frozen past the 5 s command timeout):
	 * the gateway cannot renew, the sweeps fail, and every lease runs out. Once Redis is
	 * back the sweeps hold such a user as they were for {@code presence.recovery-grace}
	 * (here 3 s), in which the gateway renews at its next heartbeat (here 0.6 s after,
	 * three sweeps later): no change is published, and the user is online since the first
	 * connect. Before, the first sweep turned every connected user offline and the next
	 * one online again (since then). A user who is gone goes offline as usual after that.
	 */
	@Test
	void aRedisOutageLongerThanTheLeaseDoesNotTurnConnectedUsersOfflineAndOnlineAgain() throws Exception {
		double holdsBefore = this.meters.counter("blueprint.chat.presence.recovery.holds").count();
		String erin = unique("erin");
		Session phone = new Session(erin, "gw-a", "phone");
		PresenceChanged online;
		try (AutoCloseable beating = heartbeat(phone)) {
			online = expectChange(erin, REACTION);
			assertThat(online.status()).isEqualTo("online");
		}
		TestInfrastructure.freezeServer("redis");
		try {
			Thread.sleep(Duration.ofSeconds(6).toMillis());
		}
		finally {
			TestInfrastructure.thawServer("redis");
		}
		Thread.sleep(SWEEP.multipliedBy(3).toMillis());
		try (AutoCloseable beating = heartbeat(phone)) {
			assertThat(nextChange(erin, LEASE.plus(SWEEP).plus(SLACK).plusSeconds(2)))
				.as("no change: the gateway renewed once Redis was back")
				.isNull();
			Presence presence = this.tracker.presenceOf(List.of(erin)).get(erin);
			assertThat(presence.status()).isEqualTo(Status.ONLINE);
			assertThat(presence.lastSeen()).as("online since the first connect")
				.isEqualTo(online.lastSeen().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
		}
		assertThat(this.meters.counter("blueprint.chat.presence.recovery.holds").count())
			.as("erin was held after the outage")
			.isGreaterThan(holdsBefore);
		PresenceChanged offline = expectChange(erin, LEASE.plus(SWEEP).plus(SLACK).plusSeconds(2));
		assertThat(offline.status()).as("gone once the heartbeats stopped").isEqualTo("offline");
	}

	@Test
	void aUserWithTwoDevicesStaysOnlineUntilTheLastOneGoesSilentThenGoesOfflineWithinTheLease() throws Exception {
		String bob = unique("bob");
		Session phone = new Session(bob, "gw-a", "phone");
		Session laptop = new Session(bob, "gw-b", "laptop");
		gateway().renew(List.of(phone, laptop));
		assertThat(expectChange(bob, SWEEP.plus(SLACK)).status()).isEqualTo("online");

		// The laptop's gateway renews every 0.5 s (under half the 2 s lease); the phone's
		// gateway died: its lease runs out 2 s after it was registered.
		AtomicReference<Instant> lastRenewal = new AtomicReference<>();
		ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
		heartbeats.scheduleAtFixedRate(() -> {
			Instant now = Instant.now();
			gatewayAt(now).renew(List.of(laptop));
			lastRenewal.set(now);
		}, 0, 500, TimeUnit.MILLISECONDS);
		try {
			assertThat(nextChange(bob, LEASE.multipliedBy(2))).as("a change while the laptop is live").isNull();
			assertThat(this.tracker.presenceOf(List.of(bob)).get(bob).status()).isEqualTo(Status.ONLINE);
		}
		finally {
			heartbeats.shutdown();
			assertThat(heartbeats.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
		}
		Instant silentSince = lastRenewal.get();

		PresenceChanged offline = expectChange(bob, LEASE.plus(SWEEP).plus(SLACK).plusSeconds(1));
		Instant detected = Instant.now();
		assertThat(offline.status()).isEqualTo("offline");
		// Last seen at the last renewal; detected no earlier than its lease end and
		// within one sweep (plus slack) after it.
		assertThat(offline.lastSeen()).isEqualTo(silentSince.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
		assertThat(Duration.between(silentSince, offline.changedAt())).isGreaterThanOrEqualTo(LEASE)
			.isLessThanOrEqualTo(LEASE.plus(SWEEP).plus(SLACK));
		assertThat(detected).isAfterOrEqualTo(silentSince.plus(LEASE));
	}

	@Test
	void aSessionReRegisteredAfterItsUserWentOfflineBringsTheUserBack() throws Exception {
		String carol = unique("carol");
		Session tablet = new Session(carol, "gw-a", "tablet");
		gateway().renew(List.of(tablet));
		assertThat(expectChange(carol, REACTION).status()).isEqualTo("online");
		assertThat(expectChange(carol, LEASE.plus(SWEEP).plus(SLACK)).status()).isEqualTo("offline");
		// A gateway that could not renew (e.g. Redis was unreachable) registers the
		// session again with its next heartbeat.
		gateway().renew(List.of(tablet));
		assertThat(expectChange(carol, REACTION).status()).isEqualTo("online");
		gateway().remove(tablet);
		assertThat(expectChange(carol, OFFLINE_GRACE.plus(REACTION)).status()).isEqualTo("offline");
	}

	/**
	 * The 600 users become due at one instant, so the first sweep after it finds them all
	 * due; it must take them in batches until one is not full. Their being online in the
	 * end did not show that: a sweep taking only one batch left the other 100 to the next
	 * sweep, 200 ms later, and passed too.
	 */
	@Test
	void moreUsersDueAtOnceThanOneBatchAreAllEvaluatedInOneSweep() throws Exception {
		List<Session> sessions = new java.util.ArrayList<>();
		for (int i = 0; i < 600; i++) {
			sessions.add(new Session(unique("crowd" + i), "gw-c", "s" + i));
		}
		Set<String> users = new java.util.HashSet<>(sessions.stream().map(Session::userId).toList());
		// One ZADD, so no sweep sees part of them; registering their sessions leaves
		// scheduled users alone.
		double due = Instant.now().plusSeconds(1).toEpochMilli();
		Set<TypedTuple<String>> scheduled = new java.util.HashSet<>();
		users.forEach((user) -> scheduled.add(TypedTuple.of(user, due)));
		this.redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, scheduled);
		DistributionSummary swept = this.meters.get("blueprint.chat.presence.sweep.users").summary();
		try (AutoCloseable connected = heartbeat(sessions.toArray(Session[]::new))) {
			assertThat(awaitOnline(users, Duration.ofSeconds(10))).isEqualTo(users);
			// A sweep records how many users it took once its last batch is done; the
			// largest of the last minutes took all 600 (in batches of 500).
			long deadline = System.nanoTime() + REACTION.toNanos();
			while (swept.max() < users.size() && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			assertThat(swept.max()).isGreaterThanOrEqualTo(users.size());
		}
		sessions.forEach(gateway()::remove);
	}

	/**
	 * One user whose stored presence does not parse (here an older schema's last seen)
	 * used to fail the whole batch it was claimed with, on every attempt: no user of it
	 * ever changed; so did a key of another type (WRONGTYPE failed the batch's pipelined
	 * read). The batch is evaluated as a sweep does after its claim.
	 */
	@Test
	void usersWhoseStoredPresenceDoesNotParseAreSkippedAndTheRestOfTheBatchIsEvaluated() throws Exception {
		String ivan = unique("ivan");
		String oscar = unique("oscar");
		String olga = unique("olga");
		String judy = unique("judy");
		Map<String, String> stored = Map.of("choice", "online", "status", "offline", "lastSeen", DATE, "version", "3");
		this.redis.opsForHash().putAll(PresenceStore.key(oscar), stored);
		this.redis.opsForValue().set(PresenceStore.key(olga), "online");
		List<String> batch = List.of(ivan, oscar, olga, judy);
		List<Session> phones = batch.stream().map((user) -> new Session(user, "gw-a", "phone")).toList();
		// Claimed for this test: the application's sweeps leave them alone, and the
		// sessions' registration leaves them scheduled.
		Instant claimedUntil = Instant.now().plusSeconds(10);
		for (String user : batch) {
			this.redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, user, claimedUntil.toEpochMilli());
		}
		gateway().renew(phones);
		Counter unreadable = this.meters.get("blueprint.chat.presence.unreadable").counter();
		double before = unreadable.count();

		this.tracker.evaluateClaimed(batch, Instant.now(), claimedUntil);

		assertThat(awaitOnline(Set.of(ivan, judy), REACTION)).containsExactlyInAnyOrder(ivan, judy);
		assertThat(unreadable.count() - before).isEqualTo(2);
		// oscar and olga are left as stored, and claimed: tried again after the claim
		// timeout.
		assertThat(this.redis.opsForHash().get(PresenceStore.key(oscar), "lastSeen")).isEqualTo(DATE);
		assertThat(this.redis.opsForValue().get(PresenceStore.key(olga))).isEqualTo("online");
		for (String skipped : List.of(oscar, olga)) {
			Double due = this.redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, skipped);
			assertThat(due).as(skipped).isEqualTo((double) claimedUntil.toEpochMilli());
		}
		// Nor does a sweep that read olga before the key was set (nothing stored, version
		// "0") replace it: it yields as to another writer. Only olga's own choice does.
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, Instant.now(), Instant.now().plus(LEASE));
		assertThat(this.store.apply(List.of(new PresenceStore.Update(olga, "0", online, null)))).containsExactly(olga);
		assertThat(this.redis.opsForValue().get(PresenceStore.key(olga))).isEqualTo("online");
		this.redis.delete(List.of(PresenceStore.key(oscar), PresenceStore.key(olga)));
		gateway().remove(phones);
	}

	/**
	 * Updates of more users than one pipeline takes are applied in chunks: every one
	 * stored, and a conflict (a version that moved on) reported for its user whatever its
	 * chunk.
	 */
	@Test
	void updatesOfMoreUsersThanOneChunkAreAllAppliedAndConflictsReportedInEachChunk() {
		List<String> users = IntStream.rangeClosed(0, 2 * PresenceStore.CHUNK)
			.mapToObj((i) -> unique("written" + i))
			.toList();
		String moved = users.get(PresenceStore.CHUNK + 3);
		String movedInTheLast = users.get(2 * PresenceStore.CHUNK);
		for (String user : List.of(moved, movedInTheLast)) {
			this.redis.opsForHash()
				.putAll(PresenceStore.key(user), Map.of("choice", "away", "status", "offline", "version", "4"));
		}
		Presence away = new Presence(Choice.AWAY, Status.OFFLINE, null, null);
		try {
			Set<String> conflicted = this.store
				.apply(users.stream().map((user) -> new PresenceStore.Update(user, "0", away, null)).toList());

			assertThat(conflicted).containsExactly(moved, movedInTheLast);
			Map<String, PresenceStore.Stored> read = this.store.readVersioned(users);
			assertThat(read.values()).filteredOn((stored) -> stored.version().equals("1"))
				.as("the others stored at their next version")
				.hasSize(users.size() - 2)
				.allMatch((stored) -> stored.presence().choice() == Choice.AWAY);
			assertThat(read.get(moved).version()).isEqualTo("4");
		}
		finally {
			this.redis.delete(users.stream().map(PresenceStore::key).toList());
		}
	}

	/**
	 * A read of more users than one pipeline takes ({@value PresenceStore#CHUNK}: a sweep
	 * batch reads up to 10,000, a query 1,000) is read in chunks, each user's hash in its
	 * place; a key of another type costs only its own chunk the read around it.
	 */
	@Test
	void aReadOfMoreUsersThanOneChunkAnswersEachUserInPlace() {
		List<String> users = IntStream.rangeClosed(0, 2 * PresenceStore.CHUNK)
			.mapToObj((i) -> unique("chunked" + i))
			.toList();
		String away = users.get(PresenceStore.CHUNK + 7);
		String string = users.get(PresenceStore.CHUNK + 8);
		String invisible = users.get(2 * PresenceStore.CHUNK);
		this.redis.opsForHash()
			.putAll(PresenceStore.key(away), Map.of("choice", "away", "status", "offline", "version", "2"));
		this.redis.opsForValue().set(PresenceStore.key(string), "online");
		this.redis.opsForHash()
			.putAll(PresenceStore.key(invisible), Map.of("choice", "invisible", "status", "offline", "version", "5"));
		try {
			Map<String, PresenceStore.Stored> read = this.store.readVersioned(users);

			assertThat(read.keySet()).containsExactlyElementsOf(users);
			assertThat(read.get(away))
				.isEqualTo(new PresenceStore.Stored(new Presence(Choice.AWAY, Status.OFFLINE, null, null), "2", true));
			assertThat(read.get(string))
				.isEqualTo(new PresenceStore.Stored(Presence.UNKNOWN, PresenceStore.OTHER_TYPE, false));
			assertThat(read.get(invisible)).isEqualTo(
					new PresenceStore.Stored(new Presence(Choice.INVISIBLE, Status.OFFLINE, null, null), "5", true));
			assertThat(read.values()).filteredOn((stored) -> stored.version().equals("0"))
				.hasSize(users.size() - 3)
				.allMatch((stored) -> stored.readable() && stored.presence().equals(Presence.UNKNOWN));
		}
		finally {
			this.redis
				.delete(List.of(PresenceStore.key(away), PresenceStore.key(string), PresenceStore.key(invisible)));
		}
	}

}
