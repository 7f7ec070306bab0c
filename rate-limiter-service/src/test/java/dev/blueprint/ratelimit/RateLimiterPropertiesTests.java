package dev.blueprint.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RateLimiterPropertiesTests {

	@Test
	void noOneMayChangeRulesUnlessAdministratorsAreNamed() {
		assertThat(bound(Map.of()).admins()).isEmpty();
		// what application.yml binds when BLUEPRINT_RATELIMIT_ADMINS is unset or empty
		assertThat(bound(Map.of("blueprint.ratelimit.admins", "")).admins()).isEmpty();
		assertThat(bound(Map.of("blueprint.ratelimit.admins", " , ")).admins()).isEmpty();
		assertThat(bound(Map.of("blueprint.ratelimit.admins", "admin, ops ,")).admins()).containsExactly("admin",
				"ops");
	}

	private static RateLimiterProperties bound(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("blueprint.ratelimit",
				RateLimiterProperties.class);
	}

	@Test
	void theRedisTimeoutIsOneMillisecondToOneMinute() {
		assertThat(properties(Duration.ofMillis(1), 256, Duration.ofSeconds(5)).redisTimeout()).hasMillis(1);
		assertThat(properties(Duration.ofMinutes(1), 256, Duration.ofSeconds(5)).redisTimeout()).hasMinutes(1);
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ZERO, 256, Duration.ofSeconds(5)))
			.withMessage("blueprint.ratelimit.redis-timeout must be 1ms to 1m, was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(Duration.ofMinutes(1).plusMillis(1), 256, Duration.ofSeconds(5)))
			.withMessage("blueprint.ratelimit.redis-timeout must be 1ms to 1m, was PT1M0.001S");
	}

	@Test
	void theLongestSubjectIsOneTo4096Characters() {
		assertThat(properties(Duration.ofMillis(250), 1, Duration.ofSeconds(5)).maxSubjectLength()).isOne();
		assertThat(properties(Duration.ofMillis(250), 4096, Duration.ofSeconds(5)).maxSubjectLength()).isEqualTo(4096);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(Duration.ofMillis(250), 0, Duration.ofSeconds(5)))
			.withMessage("blueprint.ratelimit.max-subject-length must be 1 to 4096, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(Duration.ofMillis(250), 4097, Duration.ofSeconds(5)))
			.withMessage("blueprint.ratelimit.max-subject-length must be 1 to 4096, was 4097");
	}

	@Test
	void rulesAreReconciledEvery100MillisecondsToAnHour() {
		assertThat(properties(Duration.ofMillis(250), 256, Duration.ofMillis(100)).rulesReconcileInterval())
			.hasMillis(100);
		assertThat(properties(Duration.ofMillis(250), 256, Duration.ofHours(1)).rulesReconcileInterval()).hasHours(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(Duration.ofMillis(250), 256, Duration.ofMillis(99)))
			.withMessage("blueprint.ratelimit.rules-reconcile-interval must be 100ms to 1h, was PT0.099S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(Duration.ofMillis(250), 256, Duration.ofNanos(500_000)))
			.withMessageContaining("rules-reconcile-interval");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> properties(Duration.ofMillis(250), 256, Duration.ofHours(1).plusMillis(1)))
			.withMessageContaining("rules-reconcile-interval must be 100ms to 1h");
	}

	private static RateLimiterProperties properties(Duration redisTimeout, int maxSubjectLength,
			Duration reconcileInterval) {
		return new RateLimiterProperties(null, 1, redisTimeout, maxSubjectLength, List.of("admin"), reconcileInterval);
	}

}
