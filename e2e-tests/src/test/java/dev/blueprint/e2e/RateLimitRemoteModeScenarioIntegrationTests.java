package dev.blueprint.e2e;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;

import dev.blueprint.ratelimit.client.RemoteDecider;
import dev.blueprint.ratelimit.client.Verdict;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The client starter's remote mode against the real rate-limiter-service of the stack
 * started by {@code ./suite up -d}: the decision, its headers and Retry-After come from
 * the service (its {@code default} rule: a token bucket of 100 per minute), and a check
 * the service refuses as bad input is an error for the caller, not an outage that trips
 * the breaker. (Outages of the service are covered by the starter's RemoteModeTests.)
 */
@ExtendWith(SharedSuite.class)
class RateLimitRemoteModeScenarioIntegrationTests {

	private final RemoteDecider decider = new RemoteDecider(
			URI.create("http://127.0.0.1:" + Suite.port("rate-limiter-service")),
			SharedSuite.token("remote-mode-client"), Duration.ofSeconds(10), false);

	private final String subject = "user:e2e-remote-" + UUID.randomUUID();

	@Test
	void decisionsAndHeadersComeFromTheRunningService() {
		Verdict all = this.decider.decide("default", this.subject, 100, null);
		assertThat(all.allowed()).as("the whole bucket, fresh").isTrue();
		assertThat(all.rule()).isEqualTo("default");
		assertThat(all.headers()).containsEntry("X-RateLimit-Limit", "100")
			.containsEntry("X-RateLimit-Remaining", "0")
			.containsEntry("RateLimit-Policy", "\"default\";q=100;w=60")
			.doesNotContainKey("Retry-After");

		// refilled at 100 per minute, 50 permits take 30 s: denied well within that
		Verdict denied = this.decider.decide("default", this.subject, 50, null);
		assertThat(denied.allowed()).isFalse();
		assertThat(denied.retryAfterSeconds()).isBetween(1L, 30L);
		assertThat(denied.headers()).containsEntry("Retry-After", Long.toString(denied.retryAfterSeconds()))
			.containsEntry("X-RateLimit-Remaining", "0")
			.containsKey("RateLimit");

		Verdict other = this.decider.decide("default", this.subject + "-other", 1, null);
		assertThat(other.allowed()).as("another subject has its own bucket").isTrue();
		assertThat(other.headers()).containsEntry("X-RateLimit-Remaining", "99");
		assertThat(this.decider.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
	}

	@Test
	void aCheckTheServiceRefusesIsAnErrorNotAnOutage() {
		assertThatIllegalStateException().isThrownBy(() -> this.decider.decide("default", this.subject, 101, null))
			.withMessageContaining("400")
			.withMessageContaining("cost");
		assertThatIllegalStateException()
			.isThrownBy(() -> this.decider.decide("no-such-rule-" + UUID.randomUUID(), this.subject, 1, null))
			.withMessageContaining("400")
			.withMessageContaining("rule");
		assertThat(this.decider.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
		assertThat(this.decider.decide("default", this.subject, 1, null).allowed()).isTrue();
	}

}
