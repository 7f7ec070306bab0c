package dev.blueprint.presence;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PresencePropertiesTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final Duration RETENTION = Duration.ofDays(30);

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

	private static PresenceProperties properties(Duration sessionLease, Duration retention, int maxCachedUsers) {
		return new PresenceProperties(sessionLease, Duration.ofMillis(500), 500, Duration.ofSeconds(5), retention, 100,
				new PresenceProperties.Contacts(URI.create("http://127.0.0.1:8084"), Duration.ofSeconds(30),
						maxCachedUsers, Duration.ofSeconds(2)));
	}

}
