package dev.blueprint.presence;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PresencePropertiesTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final Duration RETENTION = Duration.ofDays(30);

	private static final Duration GRACE = Duration.ofSeconds(30);

	private static final Duration OFFLINE_GRACE = Duration.ofSeconds(10);

	@Test
	void theSessionLeaseIsAtLeastOneMillisecond() {
		assertThat(properties(Duration.ofMillis(1), RETENTION, 10000).sessionLease()).isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ofNanos(999_999), RETENTION, 10000))
			.withMessage("presence.session-lease must be at least 1ms, was PT0.000999999S");
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ZERO, RETENTION, 10000))
			.withMessage("presence.session-lease must be at least 1ms, was PT0S");
	}

	@Test
	void theRetentionIsAtLeastOneMillisecondSoItIsNeverPexpireZero() {
		assertThat(properties(LEASE, Duration.ofMillis(1), 10000).retention()).isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> properties(LEASE, Duration.ofNanos(999_999), 10000))
			.withMessage("presence.retention must be at least 1ms, was PT0.000999999S");
		assertThatIllegalArgumentException().isThrownBy(() -> properties(LEASE, Duration.ZERO, 10000))
			.withMessage("presence.retention must be at least 1ms, was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> properties(LEASE, Duration.ofSeconds(-1), 10000))
			.withMessage("presence.retention must be at least 1ms, was PT-1S");
	}

	@Test
	void theContactsCacheHoldsZeroOrMoreCallers() {
		assertThat(properties(LEASE, RETENTION, 0).contacts().maxCachedUsers()).isZero();
		assertThatIllegalArgumentException().isThrownBy(() -> properties(LEASE, RETENTION, -1))
			.withMessage("presence.contacts.max-cached-users must be at least 0, was -1");
	}

	@Test
	void theSweepRunsEveryMillisecondOrLessOftenOverOneToTenThousandUsers() {
		assertThat(sweep(Duration.ofMillis(1), 1, Duration.ofSeconds(5)).sweepInterval())
			.isEqualTo(Duration.ofMillis(1));
		assertThat(sweep(Duration.ofMillis(500), 10_000, Duration.ofSeconds(5)).sweepBatch()).isEqualTo(10_000);
		assertThatIllegalArgumentException().isThrownBy(() -> sweep(Duration.ZERO, 500, Duration.ofSeconds(5)))
			.withMessage("presence.sweep-interval must be at least 1ms, was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> sweep(Duration.ofMillis(500), 0, Duration.ofSeconds(5)))
			.withMessage("presence.sweep-batch must be from 1 to 10000, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> sweep(Duration.ofMillis(500), 10_001, Duration.ofSeconds(5)))
			.withMessage("presence.sweep-batch must be from 1 to 10000, was 10001");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> sweep(Duration.ofMillis(500), 500, Duration.ofMillis(500)))
			.withMessage("presence.claim-timeout (PT0.5S) must be longer than presence.sweep-interval (PT0.5S)");
		assertThat(sweep(Duration.ofMillis(500), 500, Duration.ofMillis(501)).claimTimeout())
			.isEqualTo(Duration.ofMillis(501));
	}

	@Test
	void aQueryNamesOneToAThousandUsers() {
		assertThat(query(1).maxQueryUsers()).isEqualTo(1);
		assertThat(query(1_000).maxQueryUsers()).isEqualTo(1_000);
		assertThatIllegalArgumentException().isThrownBy(() -> query(0))
			.withMessage("presence.max-query-users must be from 1 to 1000, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> query(1_001))
			.withMessage("presence.max-query-users must be from 1 to 1000, was 1001");
	}

	private static PresenceProperties query(int maxQueryUsers) {
		return new PresenceProperties(LEASE, Duration.ofMillis(500), 500, Duration.ofSeconds(5), RETENTION,
				maxQueryUsers, contacts(Duration.ofSeconds(30), 10000, Duration.ofSeconds(2)), GRACE, OFFLINE_GRACE);
	}

	@Test
	void contactsAreCachedAndReadWithinAtLeastOneMillisecond() {
		assertThat(contacts(Duration.ofMillis(1), 10000, Duration.ofMillis(1)).cacheTtl())
			.isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException().isThrownBy(() -> contacts(Duration.ZERO, 10000, Duration.ofSeconds(2)))
			.withMessage("presence.contacts.cache-ttl must be at least 1ms, was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> contacts(Duration.ofSeconds(30), 10000, Duration.ZERO))
			.withMessage("presence.contacts.timeout must be at least 1ms, was PT0S");
	}

	@Test
	void atLeastOneContactIsReadAndTheCacheHoldsAtLeastOneCallersWorth() {
		PresenceProperties.Contacts smallest = new PresenceProperties.Contacts(URI.create("http://127.0.0.1:8084"),
				Duration.ofSeconds(30), 10000, Duration.ofSeconds(2), 1, 1);
		assertThat(smallest.maxContacts()).isEqualTo(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PresenceProperties.Contacts(URI.create("http://127.0.0.1:8084"),
					Duration.ofSeconds(30), 10000, Duration.ofSeconds(2), 0, 1))
			.withMessage("presence.contacts.max-contacts must be at least 1, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new PresenceProperties.Contacts(URI.create("http://127.0.0.1:8084"),
					Duration.ofSeconds(30), 10000, Duration.ofSeconds(2), 100, 99))
			.withMessage("presence.contacts.max-cached-contacts (99) must be at least presence.contacts.max-contacts "
					+ "(100)");
	}

	private static PresenceProperties sweep(Duration interval, int batch, Duration claimTimeout) {
		return new PresenceProperties(LEASE, interval, batch, claimTimeout, RETENTION, 100,
				contacts(Duration.ofSeconds(30), 10000, Duration.ofSeconds(2)), GRACE, OFFLINE_GRACE);
	}

	private static PresenceProperties.Contacts contacts(Duration cacheTtl, int maxCachedUsers, Duration timeout) {
		return new PresenceProperties.Contacts(URI.create("http://127.0.0.1:8084"), cacheTtl, maxCachedUsers, timeout,
				100_000, 2_000_000);
	}

	private static PresenceProperties properties(Duration sessionLease, Duration retention, int maxCachedUsers) {
		return new PresenceProperties(sessionLease, Duration.ofMillis(500), 500, Duration.ofSeconds(5), retention, 100,
				contacts(Duration.ofSeconds(30), maxCachedUsers, Duration.ofSeconds(2)), GRACE, OFFLINE_GRACE);
	}

	@Test
	void theRecoveryGraceIsFromZeroToTenMinutes() {
		assertThat(grace(Duration.ZERO).recoveryGrace()).isZero();
		assertThat(grace(Duration.ofMinutes(10)).recoveryGrace()).hasMinutes(10);
		assertThatIllegalArgumentException().isThrownBy(() -> grace(Duration.ofMillis(-1)))
			.withMessage("presence.recovery-grace must be from 0 to 10m, was PT-0.001S");
		assertThatIllegalArgumentException().isThrownBy(() -> grace(Duration.ofMinutes(10).plusMillis(1)));
	}

	@Test
	void theOfflineGraceIsFromZeroToFiveMinutes() {
		assertThat(offlineGrace(Duration.ZERO).offlineGrace()).isZero();
		assertThat(offlineGrace(Duration.ofMinutes(5)).offlineGrace()).hasMinutes(5);
		assertThatIllegalArgumentException().isThrownBy(() -> offlineGrace(Duration.ofMillis(-1)))
			.withMessage("presence.offline-grace must be from 0 to 5m, was PT-0.001S");
		assertThatIllegalArgumentException().isThrownBy(() -> offlineGrace(Duration.ofMinutes(5).plusMillis(1)))
			.withMessage("presence.offline-grace must be from 0 to 5m, was PT5M0.001S");
	}

	private static PresenceProperties offlineGrace(Duration offlineGrace) {
		return new PresenceProperties(LEASE, Duration.ofMillis(500), 500, Duration.ofSeconds(5), RETENTION, 100,
				contacts(Duration.ofSeconds(30), 10000, Duration.ofSeconds(2)), GRACE, offlineGrace);
	}

	private static PresenceProperties grace(Duration grace) {
		return new PresenceProperties(LEASE, Duration.ofMillis(500), 500, Duration.ofSeconds(5), RETENTION, 100,
				contacts(Duration.ofSeconds(30), 10000, Duration.ofSeconds(2)), grace, OFFLINE_GRACE);
	}

}
