package dev.blueprint.notification.push.core;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RetryPolicyTests {

	private final RetryPolicy policy = new RetryPolicy(6, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), 0.5,
			Duration.ofMinutes(2));

	@Test
	void backOffDoublesFromTheInitialWaitUpToTheCap() {
		assertThat(this.policy.backoff(1, 0)).isEqualTo(Duration.ofSeconds(1));
		assertThat(this.policy.backoff(2, 0)).isEqualTo(Duration.ofSeconds(2));
		assertThat(this.policy.backoff(5, 0)).isEqualTo(Duration.ofSeconds(16));
		assertThat(this.policy.backoff(6, 0)).isEqualTo(Duration.ofSeconds(30));
		assertThat(this.policy.backoff(40, 0)).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void jitterTakesOffUpToItsShareOfTheWait() {
		assertThat(this.policy.backoff(3, 0.999999)).isEqualTo(Duration.ofSeconds(2));
		assertThat(this.policy.backoff(3, 0.5)).isEqualTo(Duration.ofSeconds(3));
		RetryPolicy none = new RetryPolicy(3, Duration.ofMillis(100), 3, Duration.ofSeconds(1), 0,
				Duration.ofMinutes(1));
		assertThat(none.backoff(2, 0.9)).isEqualTo(Duration.ofMillis(300));
	}

	@Test
	void aPushNotSentWaitsForTheProviderWithoutUsingAnAttemptUntilTheTotalTimeIsUp() {
		RetryPolicy one = new RetryPolicy(1, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), 0.5,
				Duration.ofMinutes(2));
		RetryPolicy.Next next = one.notSent(Duration.ofSeconds(40), Duration.ofSeconds(30), () -> 0);
		assertThat(next.retry()).isTrue();
		assertThat(next.delay()).isEqualTo(Duration.ofSeconds(30));
		assertThat(one.notSent(Duration.ofSeconds(40), Duration.ofSeconds(30), () -> 0.5).delay())
			.as("jitter adds up to half the wait")
			.isEqualTo(Duration.ofMillis(37_500));
		assertThat(one.notSent(Duration.ofSeconds(100), Duration.ofSeconds(30), () -> 0).verdict())
			.isEqualTo(RetryPolicy.Verdict.TIME_EXHAUSTED);
	}

	@Test
	void retriesUntilTheAttemptsAreUsedUp() {
		RetryPolicy.Next fifth = this.policy.next(5, Duration.ofSeconds(20), () -> 0);
		assertThat(fifth.retry()).isTrue();
		assertThat(fifth.delay()).isEqualTo(Duration.ofSeconds(16));
		assertThat(this.policy.next(6, Duration.ofSeconds(20), () -> 0).verdict())
			.isEqualTo(RetryPolicy.Verdict.ATTEMPTS_EXHAUSTED);
	}

	@Test
	void noRetryStartsAfterTheTotalTime() {
		assertThat(this.policy.next(2, Duration.ofSeconds(118), () -> 0).retry()).isTrue();
		assertThat(this.policy.next(2, Duration.ofMillis(118_001), () -> 0).verdict())
			.isEqualTo(RetryPolicy.Verdict.TIME_EXHAUSTED);
	}

	@Test
	void oneAttemptMeansNoRetry() {
		RetryPolicy once = new RetryPolicy(1, Duration.ofSeconds(1), 2, Duration.ofSeconds(1), 0, Duration.ofHours(1));
		assertThat(once.next(1, Duration.ZERO, () -> 0).verdict()).isEqualTo(RetryPolicy.Verdict.ATTEMPTS_EXHAUSTED);
	}

	@Test
	void refusesSettingsThatMakeNoSense() {
		assertThatIllegalArgumentException().isThrownBy(
				() -> new RetryPolicy(0, Duration.ofSeconds(1), 2, Duration.ofSeconds(1), 0, Duration.ofHours(1)));
		assertThatIllegalArgumentException().isThrownBy(
				() -> new RetryPolicy(3, Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1), 0, Duration.ofHours(1)));
		assertThatIllegalArgumentException().isThrownBy(
				() -> new RetryPolicy(3, Duration.ofSeconds(1), 2, Duration.ofSeconds(1), 1.5, Duration.ofHours(1)));
	}

}
