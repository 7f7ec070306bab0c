package dev.blueprint.presence.tracking;

import java.time.Duration;
import java.time.Instant;

import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.Status;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who the sweeps hold after failing: users whose last known lease ended while they failed
 * (or up to a grace before), until a grace after they succeed again; not a user whose
 * lease ended before or after the failures, and nobody once the grace is over.
 */
class RecoveryHoldTests {

	private static final Instant FAILING_SINCE = Instant.parse("2026-12-07T10:00:00Z");

	private static final Instant RECOVERED = FAILING_SINCE.plusSeconds(60);

	private static final Duration GRACE = Duration.ofSeconds(30);

	private final PresenceTracker.Hold hold = PresenceTracker.Hold.after(FAILING_SINCE, RECOVERED, GRACE);

	@Test
	void holdsAUserWhoseLeaseEndedWhileTheSweepsFailedUntilAGraceAfter() {
		Instant now = RECOVERED.plusSeconds(1);
		assertThat(this.hold.holds(FAILING_SINCE.plusSeconds(20), now)).isTrue();
		assertThat(this.hold.holds(FAILING_SINCE.minus(GRACE), now)).as("a grace before the failures").isTrue();
		assertThat(this.hold.holds(RECOVERED, now)).isTrue();
		assertThat(this.hold.holds(FAILING_SINCE.plusSeconds(20), RECOVERED.plus(GRACE))).as("the grace is over")
			.isFalse();
	}

	@Test
	void doesNotHoldAUserWhoseLeaseEndedOutsideTheFailuresOrHasNotEnded() {
		Instant now = RECOVERED.plusSeconds(5);
		assertThat(this.hold.holds(FAILING_SINCE.minus(GRACE).minusMillis(1), now)).as("gone before").isFalse();
		assertThat(this.hold.holds(RECOVERED.plusSeconds(1), now)).as("ended after the recovery").isFalse();
		assertThat(this.hold.holds(now.plusSeconds(1), now)).as("not ended").isFalse();
		assertThat(this.hold.holds(null, now)).isFalse();
		assertThat(PresenceTracker.Hold.NONE.holds(FAILING_SINCE, now)).isFalse();
		assertThat(PresenceTracker.Hold.after(FAILING_SINCE, RECOVERED, Duration.ZERO).holds(RECOVERED, RECOVERED))
			.as("no grace, no hold")
			.isFalse();
	}

	@Test
	void holdsAConnectedUserWithoutALiveLeaseButNotOneWhoLeftNorAnOfflineOne() {
		Instant now = RECOVERED.plusSeconds(1);
		Instant ended = FAILING_SINCE.plusSeconds(20);
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, FAILING_SINCE.minusSeconds(600), ended);
		assertThat(this.hold.holds(online, false, now)).isTrue();
		assertThat(this.hold.holds(online, true, now)).as("a live lease").isFalse();
		Presence left = new Presence(Choice.ONLINE, Status.ONLINE, online.lastSeen(), ended, ended.minusSeconds(5));
		assertThat(this.hold.holds(left, false, now)).as("in an offline grace: its last device left").isFalse();
		Presence offline = new Presence(Choice.ONLINE, Status.OFFLINE, online.lastSeen(), ended);
		assertThat(this.hold.holds(offline, false, now)).isFalse();
	}

}
