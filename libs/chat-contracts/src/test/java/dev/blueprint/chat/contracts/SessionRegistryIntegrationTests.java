package dev.blueprint.chat.contracts;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import dev.blueprint.testsupport.TestInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class SessionRegistryIntegrationTests extends SessionRegistryContract {

	private static LettuceConnectionFactory connections;

	private static StringRedisTemplate redis;

	@BeforeAll
	static void connect() {
		connections = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", TestInfrastructure.local().redisPort()));
		connections.afterPropertiesSet();
		connections.start();
		redis = new StringRedisTemplate(connections);
	}

	@AfterAll
	static void disconnect() {
		connections.destroy();
	}

	@Override
	protected StringRedisTemplate redis() {
		return redis;
	}

	@Test
	void aChunkThatTimedOutIsSentOnceMoreAndTheRestOfTheSessionsAreRenewedToo() {
		// Redis holds writes for 1.5 s: the first try of the first chunk times out after
		// 1 s, the second is answered when the pause ends, before its own timeout
		List<SessionRegistry.Session> sessions = sessions(1200);
		withOneSecondTimeout((registry) -> {
			pauseWrites(Duration.ofMillis(1500));
			registry.renew(sessions);
			assertThat(registry.gatewaysOf(sessions.stream().map(SessionRegistry.Session::userId).toList()))
				.hasSize(1200);
		});
	}

	@Test
	void aChunkThatFailsTwiceStopsTheRenewalAndSaysHowManyWereNotRenewed() {
		List<SessionRegistry.Session> sessions = sessions(1200);
		withOneSecondTimeout((registry) -> {
			pauseWrites(Duration.ofSeconds(5));
			assertThatExceptionOfType(SessionRegistry.NotWrittenException.class)
				.isThrownBy(() -> registry.renew(sessions))
				.satisfies((failed) -> {
					assertThat(failed.notWritten()).isEqualTo(1200);
					assertThat(failed.total()).isEqualTo(1200);
					assertThat(failed).hasMessage("1200 of 1200 sessions not renewed");
				});
		});
	}

	/**
	 * A registry whose Redis commands time out after 1 s, on database 15: what a
	 * timed-out pipeline writes late stays out of the database the other tests of the
	 * build use.
	 */
	private static void withOneSecondTimeout(Consumer<SessionRegistry> action) {
		RedisStandaloneConfiguration database = new RedisStandaloneConfiguration("127.0.0.1",
				TestInfrastructure.local().redisPort());
		database.setDatabase(15);
		LettuceConnectionFactory impatient = new LettuceConnectionFactory(database,
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
		impatient.afterPropertiesSet();
		impatient.start();
		StringRedisTemplate template = new StringRedisTemplate(impatient);
		try {
			action.accept(new SessionRegistry(template, Duration.ofSeconds(30), Clock.systemUTC()));
		}
		finally {
			// from another connection: this one's commands wait behind its paused writes
			redis.execute((RedisCallback<Object>) (connection) -> connection.execute("CLIENT", bytes("UNPAUSE")));
			template.execute((RedisCallback<Object>) (connection) -> {
				connection.serverCommands().flushDb();
				return null;
			});
			impatient.destroy();
		}
	}

	private static void pauseWrites(Duration duration) {
		redis.execute((RedisCallback<Object>) (connection) -> connection.execute("CLIENT", bytes("PAUSE"),
				bytes(Long.toString(duration.toMillis())), bytes("WRITE")));
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
