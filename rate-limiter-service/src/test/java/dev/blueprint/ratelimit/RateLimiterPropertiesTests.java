package dev.blueprint.ratelimit;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RateLimiterPropertiesTests {

	@Test
	void theRedisTimeoutMustBeAtLeastOneMillisecond() {
		assertThat(properties(Duration.ofMillis(1)).redisTimeout()).hasMillis(1);
		assertThatIllegalArgumentException().isThrownBy(() -> properties(Duration.ZERO))
			.withMessage("blueprint.ratelimit.redis-timeout must be at least 1ms, was PT0S");
	}

	private static RateLimiterProperties properties(Duration redisTimeout) {
		return new RateLimiterProperties(null, 1, redisTimeout, 256, List.of("admin"), Duration.ofSeconds(5));
	}

}
