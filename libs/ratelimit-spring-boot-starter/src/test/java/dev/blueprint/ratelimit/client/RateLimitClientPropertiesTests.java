package dev.blueprint.ratelimit.client;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The timeout and the breakers' open durations are checked at start-up: at least 1 ms.
 */
class RateLimitClientPropertiesTests {

	@Test
	void openDurationsMustBeAtLeastOneMillisecond() {
		assertThat(properties(Duration.ofMillis(1), Duration.ofMillis(1)).redisOpenFor()).hasMillis(1);
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ofSeconds(5), Duration.ZERO))
			.withMessage("blueprint.ratelimit.client.redis-open-for must be at least 1ms, was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ofMillis(-1), Duration.ofSeconds(1)))
			.withMessage("blueprint.ratelimit.client.remote-open-for must be at least 1ms, was PT-0.001S");
	}

	@Test
	void theDecisionTimeoutMustBeAtLeastOneMillisecond() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RateLimitClientProperties("embedded", null, 1, URI.create("http://localhost:8082"),
					null, "open", Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(1), null, null))
			.withMessage("blueprint.ratelimit.client.timeout must be at least 1ms, was PT0S");
	}

	@Test
	void theRemoteFailurePolicyIsOpenOrClosed() {
		for (String policy : new String[] { "open", "closed", "CLOSED" }) {
			assertThat(withRemoteFailure(policy).remoteFailure()).isEqualTo(policy);
		}
		for (String policy : new String[] { "fail-closed", "deny", "" }) {
			assertThatIllegalArgumentException().isThrownBy(() -> withRemoteFailure(policy))
				.withMessage(
						"blueprint.ratelimit.client.remote-failure must be 'open' or 'closed', was '" + policy + "'");
		}
	}

	private static RateLimitClientProperties withRemoteFailure(String policy) {
		return new RateLimitClientProperties("remote", null, 1, URI.create("http://localhost:8082"), null, policy,
				Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(1), null, null);
	}

	private static RateLimitClientProperties properties(Duration remoteOpenFor, Duration redisOpenFor) {
		return new RateLimitClientProperties("embedded", null, 1, URI.create("http://localhost:8082"), null, "open",
				Duration.ofMillis(250), remoteOpenFor, redisOpenFor, null, null);
	}

}
