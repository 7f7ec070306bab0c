package dev.blueprint.presence.core;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PresenceRulesTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final Duration GRACE = Duration.ofSeconds(10);

	/** Offline at once: the rules before the offline grace. */
	private final PresenceRules rules = new PresenceRules(LEASE, Duration.ZERO);

	private final PresenceRules graced = new PresenceRules(LEASE, GRACE);

	private final Instant t0 = Instant.parse("2026-11-28T10:00:00Z");

	private Instant at(int seconds) {
		return this.t0.plusSeconds(seconds);
	}

	@Test
	void aFirstLiveDeviceMakesTheUserOnlineSinceNowAndChecksAgainWhenItsLeaseEnds() {
		PresenceRules.Evaluation evaluation = this.rules.evaluate(Presence.UNKNOWN, at(30), at(0));
		assertThat(evaluation.presence()).isEqualTo(new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30)));
		assertThat(evaluation.visibleChange()).isTrue();
		assertThat(evaluation.changed()).isTrue();
		assertThat(evaluation.nextCheck()).isEqualTo(at(30));
	}

	@Test
	void renewedLeasesKeepTheUserOnlineWithoutAVisibleChange() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30));
		PresenceRules.Evaluation evaluation = this.rules.evaluate(online, at(50), at(30));
		assertThat(evaluation.visibleChange()).isFalse();
		assertThat(evaluation.presence().lastSeen()).isEqualTo(at(0));
		assertThat(evaluation.nextCheck()).isEqualTo(at(50));
	}

	@Test
	void leasesThatRanOutMakeTheUserOfflineLastSeenAtTheLastRenewal() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(50));
		PresenceRules.Evaluation evaluation = this.rules.evaluate(online, null, at(50));
		assertThat(evaluation.presence()).isEqualTo(new Presence(Choice.ONLINE, Status.OFFLINE, at(20), null));
		assertThat(evaluation.visibleChange()).isTrue();
		assertThat(evaluation.nextCheck()).isNull();
	}

	@Test
	void aLeaseEndingExactlyNowNoLongerCounts() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30));
		assertThat(this.rules.evaluate(online, at(30), at(30)).presence().status()).isEqualTo(Status.OFFLINE);
		assertThat(this.rules.evaluate(online, at(30), at(30).minusMillis(1)).presence().status())
			.isEqualTo(Status.ONLINE);
	}

	@Test
	void aDisconnectBeforeTheLeaseEndsIsLastSeenNow() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(40));
		PresenceRules.Evaluation evaluation = this.rules.evaluate(online, null, at(25));
		assertThat(evaluation.presence().status()).isEqualTo(Status.OFFLINE);
		assertThat(evaluation.presence().lastSeen()).isEqualTo(at(25));
	}

	@Test
	void aUserStaysOnlineWhileAnyDeviceIsLive() {
		// The latest lease is the laptop's; the phone's earlier lease ran out.
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30));
		PresenceRules.Evaluation evaluation = this.rules.evaluate(online, at(55), at(31));
		assertThat(evaluation.presence().status()).isEqualTo(Status.ONLINE);
		assertThat(evaluation.visibleChange()).isFalse();
	}

	@Test
	void awayIsVisibleAndKeepsTheSinceTime() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30));
		PresenceRules.Evaluation evaluation = this.rules.choose(online, Choice.AWAY, at(30), at(10));
		assertThat(evaluation.presence()).isEqualTo(new Presence(Choice.AWAY, Status.AWAY, at(0), at(30)));
		assertThat(evaluation.visibleChange()).isTrue();
	}

	@Test
	void anInvisibleUserLooksOfflineToOthersLastSeenWhenTheyHid() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30));
		PresenceRules.Evaluation hidden = this.rules.choose(online, Choice.INVISIBLE, at(30), at(10));
		assertThat(hidden.presence().status()).isEqualTo(Status.INVISIBLE);
		assertThat(hidden.presence().status().visible()).isEqualTo(Status.OFFLINE);
		assertThat(hidden.presence().lastSeen()).isEqualTo(at(10));
		assertThat(hidden.visibleChange()).isTrue();
		// Going offline for real changes nothing others see, nor the last seen time.
		PresenceRules.Evaluation gone = this.rules.evaluate(hidden.presence(), null, at(30));
		assertThat(gone.visibleChange()).isFalse();
		assertThat(gone.presence()).isEqualTo(new Presence(Choice.INVISIBLE, Status.OFFLINE, at(10), null));
	}

	/**
	 * The stored lease end is the one of the last evaluation: from then until the next
	 * sweep (far longer after an outage or a backlog) it is past while the user's renewed
	 * lease runs. Hiding then was last seen one lease before it, 09:59:30 for a user who
	 * hid at 10:00:00.2.
	 */
	@Test
	void goingInvisibleWithALiveLeaseIsLastSeenNowThoughTheStoredLeaseEnded() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(60));
		Instant hid = at(60).plusMillis(200);
		PresenceRules.Evaluation hidden = this.rules.choose(online, Choice.INVISIBLE, at(80), hid);
		assertThat(hidden.presence()).isEqualTo(new Presence(Choice.INVISIBLE, Status.INVISIBLE, hid, at(80)));
		assertThat(hidden.visibleChange()).isTrue();
		assertThat(hidden.nextCheck()).isEqualTo(at(80));

		Presence afterAnOutage = new Presence(Choice.AWAY, Status.AWAY, at(0), at(60));
		assertThat(this.rules.choose(afterAnOutage, Choice.INVISIBLE, at(620), at(600)).presence().lastSeen())
			.isEqualTo(at(600));
	}

	@Test
	void theChoiceOutlivesTheConnection() {
		Presence awayOffline = new Presence(Choice.AWAY, Status.OFFLINE, at(0), null);
		PresenceRules.Evaluation back = this.rules.evaluate(awayOffline, at(130), at(100));
		assertThat(back.presence().status()).isEqualTo(Status.AWAY);
		assertThat(back.presence().lastSeen()).isEqualTo(at(100));
	}

	@Test
	void choosingWhileOfflineChangesNothingOthersSee() {
		Presence offline = new Presence(Choice.ONLINE, Status.OFFLINE, at(0), null);
		PresenceRules.Evaluation evaluation = this.rules.choose(offline, Choice.AWAY, null, at(10));
		assertThat(evaluation.visibleChange()).isFalse();
		assertThat(evaluation.changed()).isTrue();
		assertThat(evaluation.presence()).isEqualTo(new Presence(Choice.AWAY, Status.OFFLINE, at(0), null));
	}

	@Test
	void lastSeenNeverMovesBackwards() {
		// Online since 40 with a stale lease end (e.g. a sweep that ran late).
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(40), at(50));
		assertThat(this.rules.evaluate(online, null, at(60)).presence().lastSeen()).isEqualTo(at(40));
	}

	@Test
	void aDisconnectStartsTheOfflineGraceNothingOthersSeeChanges() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(40));
		PresenceRules.Evaluation held = this.graced.evaluate(online, null, at(25));
		assertThat(held.presence()).isEqualTo(new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(40), at(25)));
		assertThat(held.visibleChange()).isFalse();
		assertThat(held.changed()).as("when the user left is stored").isTrue();
		assertThat(held.nextCheck()).isEqualTo(at(35));

		// looked at again meanwhile (another device's disconnect moved the check): as it
		// was
		PresenceRules.Evaluation again = this.graced.evaluate(held.presence(), null, at(30));
		assertThat(again.presence()).isEqualTo(held.presence());
		assertThat(again.changed()).isFalse();
		assertThat(again.visibleChange()).isFalse();
		assertThat(again.nextCheck()).isEqualTo(at(35));
	}

	@Test
	void noDeviceBackByTheGracesEndIsOfflineLastSeenWhenTheLastOneLeft() {
		Presence held = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(40), at(25));
		PresenceRules.Evaluation gone = this.graced.evaluate(held, null, at(35));
		assertThat(gone.presence()).isEqualTo(new Presence(Choice.ONLINE, Status.OFFLINE, at(25), null));
		assertThat(gone.visibleChange()).isTrue();
		assertThat(gone.nextCheck()).isNull();
		// A sweep far behind (an outage, a backlog): the same
		PresenceRules.Evaluation late = this.graced.evaluate(held, null, at(300));
		assertThat(late.presence()).isEqualTo(gone.presence());
		// A grace ends exactly at its last instant
		assertThat(this.graced.evaluate(held, null, at(35).minusMillis(1)).presence().status())
			.isEqualTo(Status.ONLINE);
	}

	@Test
	void aDeviceBackWithinTheGraceKeepsTheUserOnlineSinceBefore() {
		Presence held = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(40), at(25));
		PresenceRules.Evaluation back = this.graced.evaluate(held, at(60), at(35));
		assertThat(back.presence()).isEqualTo(new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(60)));
		assertThat(back.visibleChange()).isFalse();
		assertThat(back.changed()).isTrue();
		assertThat(back.nextCheck()).isEqualTo(at(60));
	}

	/**
	 * The registry still lists a lease that ran out (ended), for a lease after its end.
	 */
	@Test
	void leasesThatRanOutAreNotHeldLongerTheLeaseWasTheirGrace() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(10), at(50));
		PresenceRules.Evaluation evaluation = this.graced.evaluate(online, at(50), at(50).plusMillis(300));
		assertThat(evaluation.presence()).isEqualTo(new Presence(Choice.ONLINE, Status.OFFLINE, at(20), null));
		assertThat(evaluation.visibleChange()).isTrue();
		// looked at a lease or more after the end, with the registry's key gone: ran out,
		// as far as anyone can tell
		assertThat(this.graced.evaluate(online, null, at(80)).presence())
			.isEqualTo(new Presence(Choice.ONLINE, Status.OFFLINE, at(20), null));
	}

	/**
	 * A disconnect after the lease presence-service knew of ended but before the sweep
	 * that looks at it (a renewal had extended it): the registry lists no session, though
	 * one that ran out would still be listed, so it was removed. Until 2026-12-07 it went
	 * offline at once, last seen a lease before the known end.
	 */
	@Test
	void aDisconnectBeforeTheSweepAtTheKnownLeaseEndStartsTheGraceToo() {
		Presence online = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30));
		Instant now = at(30).plusMillis(300);
		PresenceRules.Evaluation held = this.graced.evaluate(online, null, now);
		// left after the known end (a removal before it would have been looked at then):
		// the earliest it can have been, and the grace runs from it
		assertThat(held.presence()).isEqualTo(new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(30), at(30)));
		assertThat(held.visibleChange()).isFalse();
		assertThat(held.nextCheck()).isEqualTo(at(30).plus(GRACE));
		assertThat(this.graced.evaluate(held.presence(), null, at(30).plus(GRACE)).presence())
			.isEqualTo(new Presence(Choice.ONLINE, Status.OFFLINE, at(30), null));
		// a sweep that came late shortens the grace, not lengthens it
		assertThat(this.graced.evaluate(online, null, at(38)).nextCheck()).isEqualTo(at(40));
	}

	@Test
	void anOfflineUserHasNoGrace() {
		Presence offline = new Presence(Choice.ONLINE, Status.OFFLINE, at(0), null);
		PresenceRules.Evaluation evaluation = this.graced.evaluate(offline, null, at(10));
		assertThat(evaluation.presence()).isEqualTo(offline);
		assertThat(evaluation.nextCheck()).isNull();
	}

	/**
	 * A departure stored before the user's known lease was last renewed is from an
	 * earlier grace whose end was written without clearing it (an instance of an older
	 * version): the user came back since. It is not taken: this disconnect starts a grace
	 * of its own, and the user is not shown offline at once, last seen then.
	 */
	@Test
	void aDepartureFromBeforeTheLastRenewalIsLeftOver() {
		Presence leftover = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(100), at(20));
		PresenceRules.Evaluation evaluation = this.graced.evaluate(leftover, null, at(90));
		assertThat(evaluation.presence().status()).isEqualTo(Status.ONLINE);
		assertThat(evaluation.presence().leftAt()).isEqualTo(at(90));
		assertThat(evaluation.nextCheck()).isEqualTo(at(100));
	}

	@Test
	void aChoiceWithinTheGraceShowsAndTheGraceGoesOn() {
		Presence held = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(40), at(25));
		PresenceRules.Evaluation away = this.graced.choose(held, Choice.AWAY, null, at(28));
		assertThat(away.presence()).isEqualTo(new Presence(Choice.AWAY, Status.AWAY, at(0), at(40), at(25)));
		assertThat(away.visibleChange()).isTrue();
		assertThat(away.nextCheck()).isEqualTo(at(35));

		PresenceRules.Evaluation hidden = this.graced.choose(held, Choice.INVISIBLE, null, at(28));
		assertThat(hidden.presence())
			.isEqualTo(new Presence(Choice.INVISIBLE, Status.INVISIBLE, at(25), at(40), at(25)));
		assertThat(hidden.visibleChange()).isTrue();
		// and its end changes nothing others see
		PresenceRules.Evaluation gone = this.graced.evaluate(hidden.presence(), null, at(35));
		assertThat(gone.visibleChange()).isFalse();
		assertThat(gone.presence()).isEqualTo(new Presence(Choice.INVISIBLE, Status.OFFLINE, at(25), null));
	}

	/** Hidden, shown, hidden again within a grace: last seen never goes back. */
	@Test
	void lastSeenNeverMovesBackwardsWithinTheGrace() {
		Presence held = new Presence(Choice.ONLINE, Status.ONLINE, at(0), at(40), at(25));
		Presence hidden = this.graced.choose(held, Choice.INVISIBLE, null, at(26)).presence();
		assertThat(hidden.lastSeen()).isEqualTo(at(25));
		PresenceRules.Evaluation shown = this.graced.choose(hidden, Choice.ONLINE, null, at(27));
		assertThat(shown.presence().lastSeen()).as("shown online since").isEqualTo(at(27));
		PresenceRules.Evaluation hiddenAgain = this.graced.choose(shown.presence(), Choice.INVISIBLE, null, at(29));
		assertThat(hiddenAgain.presence().lastSeen()).isEqualTo(at(27));
		assertThat(this.graced.evaluate(hiddenAgain.presence(), null, at(35)).presence().lastSeen()).isEqualTo(at(27));
	}

	@Test
	void aNegativeGraceIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new PresenceRules(LEASE, Duration.ofMillis(-1)));
	}

}
