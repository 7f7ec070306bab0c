package dev.blueprint.presence.tracking;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.PresenceRules;
import dev.blueprint.presence.core.Status;
import dev.blueprint.presence.support.PresenceIntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user's choice against {@code presence.retention}: away and invisible last until the
 * user changes them, however long the user stays away; the rest of the presence (an
 * online choice, last seen) still expires. The choices are made through a store with a
 * 100 ms retention instead of 30 days.
 */
class PresenceChoiceRetentionIntegrationTests extends PresenceIntegrationTest {

	private static final Duration RETENTION = Duration.ofMillis(100);

	@Autowired
	PresenceTracker tracker;

	/**
	 * The whole hash used to expire: a user who went invisible and came back after the
	 * retention read as online, and was shown online to every contact.
	 */
	@Test
	void anInvisibleUserWhoComesBackAfterTheRetentionIsStillInvisible() throws Exception {
		String grace = unique("grace");
		assertThat(shortRetention().choose(grace, Choice.INVISIBLE).choice()).isEqualTo(Choice.INVISIBLE);
		Thread.sleep(RETENTION.multipliedBy(3).toMillis());

		Session phone = new Session(grace, "gw-a", "phone");
		gateway().renew(List.of(phone));
		// The application's sweep evaluates grace on her connect: her lease is stored,
		// she is invisible, and nothing is published (invisible looks offline).
		Presence evaluated = awaitLeaseStored(grace);
		assertThat(evaluated.choice()).isEqualTo(Choice.INVISIBLE);
		assertThat(evaluated.status()).isEqualTo(Status.INVISIBLE);
		assertThat(nextChange(grace, SWEEP)).isNull();
		assertThat(this.redis.getExpire(PresenceStore.key(grace), TimeUnit.MILLISECONDS)).isEqualTo(-1L);
		gateway().remove(phone);
	}

	/** Changing back to online gives the hash its retention again. */
	@Test
	void anOnlineChoiceStillExpiresAfterTheRetention() throws Exception {
		String heidi = unique("heidi");
		PresenceTracker shortRetention = shortRetention();
		shortRetention.choose(heidi, Choice.AWAY);
		shortRetention.choose(heidi, Choice.ONLINE);
		Thread.sleep(RETENTION.multipliedBy(3).toMillis());
		assertThat(this.redis.hasKey(PresenceStore.key(heidi))).isFalse();
	}

	private Presence awaitLeaseStored(String user) throws InterruptedException {
		long deadline = System.nanoTime() + SWEEP.plusSeconds(5).toNanos();
		Presence presence = this.tracker.presenceOf(List.of(user)).get(user);
		while (presence.leaseEnd() == null && System.nanoTime() < deadline) {
			Thread.sleep(20);
			presence = this.tracker.presenceOf(List.of(user)).get(user);
		}
		assertThat(presence.leaseEnd()).as("lease end stored by a sweep").isNotNull();
		return presence;
	}

	private PresenceTracker shortRetention() {
		return new PresenceTracker(new PresenceStore(this.redis, new ChatEventCodec(), RETENTION),
				new SessionRegistry(this.redis, LEASE, Clock.systemUTC()), new PresenceRules(LEASE, Duration.ZERO),
				Clock.systemUTC(), 100, Duration.ofSeconds(2), new SimpleMeterRegistry());
	}

}
