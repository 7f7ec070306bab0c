package dev.blueprint.presence.api;

import java.lang.reflect.Method;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.PoolException;
import org.springframework.data.redis.connection.RedisPipelineException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.method.annotation.ExceptionHandlerMethodResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every way Spring reports a Redis failure is a 503 problem with {@code Retry-After}, by
 * its own type (not through a cause), including those a real outage does not produce on
 * cue: a bare command timeout, a pool exception outside the connection factory's
 * translation. {@code PresenceRedisOutageIntegrationTests} shows the answer on the wire
 * with a stopped Redis and an exhausted pool.
 */
class ApiProblemsTests {

	static Stream<RuntimeException> redisFailures() {
		NoSuchElementException exhausted = new NoSuchElementException(
				"Timeout waiting for idle object, borrowMaxWaitDuration=PT2S");
		return Stream.of(new RedisConnectionFailureException("Unable to connect to Redis"),
				new RedisSystemException("Error in execution", new IllegalStateException("LOADING")),
				new QueryTimeoutException("Redis command timed out"),
				new RedisPipelineException(new QueryTimeoutException("Redis command timed out")),
				new RedisPipelineException("Pipeline contained one or more invalid commands",
						List.of(1L, new QueryTimeoutException("Redis command timed out"))),
				new RedisConnectionFailureException("Unable to connect to Redis",
						new PoolException("Could not get a resource from the pool", exhausted)),
				new PoolException("Could not get a resource from the pool", exhausted));
	}

	@ParameterizedTest
	@MethodSource("redisFailures")
	void aRedisFailureIsA503ProblemWithRetryAfter(RuntimeException failure) {
		Method handler = new ExceptionHandlerMethodResolver(ApiProblems.class)
			.resolveMethodByExceptionType(failure.getClass());
		assertThat(handler).as("handler of " + failure.getClass().getName()).isNotNull();
		assertThat(handler.getName()).isEqualTo("redisUnavailable");
		ResponseEntity<ProblemDetail> response = new ApiProblems().redisUnavailable(failure);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
		assertThat(response.getBody()).isNotNull();
		assertThat(response.getBody().getStatus()).isEqualTo(503);
		assertThat(response.getBody().getTitle()).isEqualTo("Unavailable");
	}

}
