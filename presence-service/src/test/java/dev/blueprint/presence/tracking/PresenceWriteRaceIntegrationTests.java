package dev.blueprint.presence.tracking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.PresenceRules;
import dev.blueprint.presence.core.Status;
import dev.blueprint.presence.support.PresenceIntegrationTest;
import dev.blueprint.presence.tracking.PresenceTracker.PresenceBusyException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A sweep and a user's own choice writing the same user's presence at once, made
 * deterministic: a second tracker (another instance, with its own store) sweeps the user
 * and the application's tracker applies the user's choice between that sweep's read and
 * its write.
 */
class PresenceWriteRaceIntegrationTests extends PresenceIntegrationTest {

	/**
	 * How far ahead the other instance's clock runs: the application's tracker, which
	 * claims what is due by its own clock, leaves a user that instance rescheduled "now"
	 * alone for this long.
	 */
	private static final Duration AHEAD = Duration.ofSeconds(1);

	@Autowired
	PresenceTracker tracker;

	@Test
	void aChoiceMadeWhileASweepEvaluatesTheUserIsNeitherUndoneNorLeftUnpublished() throws Exception {
		String dave = unique("dave");
		Session phone = new Session(dave, "gw-a", "phone");
		gateway().renew(List.of(phone));
		assertThat(expectChange(dave, SWEEP.plusSeconds(1)).status()).isEqualTo("online");
		// The application's tracker rescheduled dave at the end of his lease (2 s): until
		// then only this test's sweep evaluates him. A renewal gives that sweep a new
		// lease end to store.
		gateway().renew(List.of(phone));

		AtomicReference<Runnable> betweenReadAndWrite = new AtomicReference<>(
				() -> assertThat(this.tracker.choose(dave, Choice.INVISIBLE).status()).isEqualTo(Status.INVISIBLE));
		PresenceTracker otherInstance = tracker(
				new PresenceStore(this.redis, new ChatEventCodec(), Duration.ofDays(1)) {
					@Override
					public Map<String, Stored> readVersioned(Collection<String> userIds) {
						Map<String, Stored> stored = super.readVersioned(userIds);
						Runnable race = betweenReadAndWrite.getAndSet(null);
						if (race != null) {
							race.run();
						}
						return stored;
					}
				});
		Instant now = Instant.now().plus(AHEAD);
		Instant claimedUntil = now.plusSeconds(2);
		this.redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, dave, claimedUntil.toEpochMilli());
		otherInstance.evaluateClaimed(List.of(dave), now, claimedUntil);
		// The sweep yielded and scheduled dave again at once: due at the time it
		// evaluated him, not at his lease end (about 1 s later) nor at the end of its
		// claim. Checked before the application's tracker takes him (AHEAD): once it
		// has, he is due at his lease end either way, which is all "due before the end
		// of the claim" showed.
		Double due = this.redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, dave);
		assertThat(due).isEqualTo((double) now.toEpochMilli());

		// Others saw dave go offline (invisible looks offline), and nothing after it,
		// though the application's tracker evaluated him again once due.
		assertThat(expectChange(dave, Duration.ofSeconds(2)).status()).isEqualTo("offline");
		assertThat(nextChange(dave, AHEAD.plus(SWEEP.multipliedBy(3)))).isNull();
		assertThat(this.tracker.presenceOf(List.of(dave)).get(dave).status()).as("stored after the race")
			.isEqualTo(Status.INVISIBLE);
		assertThat(this.tracker.presenceOf(List.of(dave)).get(dave).choice()).isEqualTo(Choice.INVISIBLE);

		// And dave's next choice is a change others see.
		assertThat(this.tracker.choose(dave, Choice.ONLINE).status()).isEqualTo(Status.ONLINE);
		assertThat(expectChange(dave, Duration.ofSeconds(2)).status()).isEqualTo("online");
		gateway().remove(phone);
		assertThat(expectChange(dave, OFFLINE_GRACE.plus(SWEEP).plusSeconds(1)).status()).isEqualTo("offline");
	}

	@Test
	void aChoiceThatMeetsAConcurrentWriteOnEveryAttemptFailsWithoutWritingAnything() throws Exception {
		String erin = unique("erin");
		Session laptop = new Session(erin, "gw-a", "laptop");
		gateway().renew(List.of(laptop));
		assertThat(expectChange(erin, SWEEP.plusSeconds(1)).status()).isEqualTo("online");
		AtomicInteger reads = new AtomicInteger();
		// Another writer moves erin's presence on after every read of this instance.
		PresenceTracker contended = tracker(new PresenceStore(this.redis, new ChatEventCodec(), Duration.ofDays(1)) {
			@Override
			public Map<String, Stored> readVersioned(Collection<String> userIds) {
				Map<String, Stored> stored = super.readVersioned(userIds);
				reads.incrementAndGet();
				PresenceWriteRaceIntegrationTests.this.redis.opsForHash()
					.increment(PresenceStore.key(erin), "version", 1);
				return stored;
			}
		});

		assertThatExceptionOfType(PresenceBusyException.class).isThrownBy(() -> contended.choose(erin, Choice.AWAY));
		assertThat(reads).hasValue(PresenceTracker.CHOICE_ATTEMPTS);
		assertThat(nextChange(erin, SWEEP.multipliedBy(3))).isNull();
		assertThat(this.tracker.presenceOf(List.of(erin)).get(erin).choice()).isEqualTo(Choice.ONLINE);
		gateway().remove(laptop);
		assertThat(expectChange(erin, OFFLINE_GRACE.plus(SWEEP).plusSeconds(1)).status()).isEqualTo("offline");
	}

	@Test
	void anUpdateAppliesAfterRedisForgotTheScript() throws Exception {
		String frank = unique("frank");
		this.redis.execute((org.springframework.data.redis.core.RedisCallback<String>) (connection) -> {
			connection.scriptingCommands().scriptFlush();
			return null;
		});
		assertThat(this.tracker.choose(frank, Choice.AWAY).choice()).isEqualTo(Choice.AWAY);
		assertThat(this.tracker.presenceOf(List.of(frank)).get(frank).choice()).isEqualTo(Choice.AWAY);
		assertThat(this.redis.opsForHash().get(PresenceStore.key(frank), "version")).isEqualTo("1");
	}

	private PresenceTracker tracker(PresenceStore store) {
		return new PresenceTracker(store, new SessionRegistry(this.redis, LEASE, Clock.systemUTC()),
				new PresenceRules(LEASE, Duration.ZERO), Clock.systemUTC(), 100, Duration.ofSeconds(2),
				new SimpleMeterRegistry());
	}

}
