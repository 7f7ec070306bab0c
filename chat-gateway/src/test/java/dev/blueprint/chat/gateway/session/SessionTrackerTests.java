package dev.blueprint.chat.gateway.session;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.connection.RedisPipelineException;

import static org.assertj.core.api.Assertions.assertThat;

class SessionTrackerTests {

	@Test
	void aFailedRenewalPipelineIsLoggedWithItsFirstCommandError() {
		RedisPipelineException failed = new RedisPipelineException("Pipeline contained one or more invalid commands",
				List.of(1L, new QueryTimeoutException("Redis command timed out"), 1L));

		assertThat(SessionTracker.describe(failed)).contains("one or more invalid commands")
			.contains("first failed command")
			.contains("Redis command timed out");
	}

	@Test
	void aPipelineThatTimedOutAsAWholeNamesTheTimeout() {
		// What LettuceConnection.closePipeline throws when awaiting the pipeline times
		// out.
		RedisPipelineException timedOut = new RedisPipelineException(
				new QueryTimeoutException("Redis command timed out"));

		assertThat(timedOut.getPipelineResult()).isEmpty();
		assertThat(SessionTracker.describe(timedOut)).contains("one or more invalid commands")
			.contains("cause: org.springframework.dao.QueryTimeoutException: Redis command timed out");
	}

	@Test
	void anyOtherFailureIsLoggedAsItIs() {
		assertThat(SessionTracker.describe(new IllegalStateException("no connection")))
			.isEqualTo("java.lang.IllegalStateException: no connection");
	}

}
