package dev.blueprint.shortener.clicks;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The buffer's shutdown order, which an upgrade of Spring Data Redis could change.
 * {@code ClickRollupIntegrationTests.shuttingDownTheApplicationUnderARollupCountsEachClickOnce}
 * shuts an instance down under a rollup.
 */
class RedisClickBufferTests {

	@Test
	void stopsBeforeTheRedisConnectionFactory() {
		// lifecycle beans stop highest phase first, all before any bean is destroyed
		assertThat(RedisClickBuffer.PHASE).isGreaterThan(new LettuceConnectionFactory().getPhase());
	}

}
