package dev.blueprint.chat.contracts;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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

class SessionRegistryIntegrationTests {

	private static LettuceConnectionFactory connections;

	private static StringRedisTemplate redis;

	private final String alice = "alice-" + UUID.randomUUID();

	private final String bob = "bob-" + UUID.randomUUID();

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

	private SessionRegistry registryAt(Instant now) {
		return new SessionRegistry(redis, Duration.ofSeconds(30), Clock.fixed(now, ZoneOffset.UTC));
	}

	@Test
	void everyDeviceOfAUserIsFoundOnItsGatewayInOneBatch() {
		SessionRegistry registry = registryAt(Instant.now());
		registry.renew(List.of(new SessionRegistry.Session(this.alice, "gw-a", "s1"),
				new SessionRegistry.Session(this.alice, "gw-b", "s2"),
				new SessionRegistry.Session(this.bob, "gw-a", "s3")));
		Map<String, Set<String>> gateways = registry.gatewaysOf(List.of(this.alice, this.bob, "nobody-" + this.bob));
		assertThat(gateways).containsOnlyKeys(this.alice, this.bob);
		assertThat(gateways.get(this.alice)).containsExactlyInAnyOrder("gw-a", "gw-b");
		assertThat(gateways.get(this.bob)).containsExactly("gw-a");
		assertThat(redis.getExpire(SessionRegistry.key(this.alice))).isBetween(1L, 30L);
	}

	@Test
	void aBatchOfMoreUsersThanOneChunkFindsEveryoneInOrder() {
		// 1,201 users: three pipelines of at most 500; users with sessions in each of
		// them, the first and the last included.
		SessionRegistry registry = registryAt(Instant.now());
		List<String> users = new ArrayList<>();
		List<SessionRegistry.Session> sessions = new ArrayList<>();
		for (int i = 0; i < 1201; i++) {
			String user = "u" + i + "-" + UUID.randomUUID();
			users.add(user);
			if (i % 7 == 0 || i == 499 || i == 500 || i == 1200) {
				sessions.add(new SessionRegistry.Session(user, "gw-" + (i % 3), "s" + i));
			}
		}
		registry.renew(sessions);
		try {
			Map<String, Set<String>> gateways = registry.gatewaysOf(users);
			assertThat(gateways).hasSize(sessions.size());
			for (SessionRegistry.Session session : sessions) {
				assertThat(gateways.get(session.userId())).as(session.userId()).containsExactly(session.gatewayId());
			}
			assertThat(registry.latestLeaseEnds(users)).containsOnlyKeys(gateways.keySet());
		}
		finally {
			registry.remove(sessions);
			redis.opsForZSet()
				.remove(SessionRegistry.PRESENCE_DUE, sessions.stream().map(SessionRegistry.Session::userId).toArray());
		}
	}

	@Test
	void aClosedSessionIsForgotten() {
		SessionRegistry registry = registryAt(Instant.now());
		SessionRegistry.Session session = new SessionRegistry.Session(this.alice, "gw-a", "s1");
		registry.renew(List.of(session));
		registry.remove(session);
		assertThat(registry.sessionsOf(List.of(this.alice))).isEmpty();
	}

	@Test
	void sessionsClosedTogetherAreForgottenTogetherAndOnlyThey() {
		// 1,200 sessions: three pipelines. Each user also has a phone that stays.
		Instant now = Instant.now();
		SessionRegistry registry = registryAt(now);
		List<SessionRegistry.Session> closed = sessions(1200);
		List<SessionRegistry.Session> phones = closed.stream()
			.map((session) -> new SessionRegistry.Session(session.userId(), "gw-other", "phone"))
			.toList();
		List<String> users = closed.stream().map(SessionRegistry.Session::userId).toList();
		registry.renew(closed);
		registry.renew(phones);
		redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, users.get(0), now.plusSeconds(30).toEpochMilli());
		redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, users.get(1199), now.plusSeconds(30).toEpochMilli());

		registryAt(now.plusSeconds(2)).remove(closed);

		Map<String, List<SessionRegistry.Session>> left = registry.sessionsOf(users);
		assertThat(left).hasSize(1200);
		assertThat(left.values()).allSatisfy((sessions) -> assertThat(sessions).singleElement()
			.extracting(SessionRegistry.Session::sessionId)
			.isEqualTo("phone"));
		// their users are looked at now, in the first chunk and the last
		assertThat(redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, users.get(0)))
			.isEqualTo((double) now.plusSeconds(2).toEpochMilli());
		assertThat(redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, users.get(1199)))
			.isEqualTo((double) now.plusSeconds(2).toEpochMilli());
		redis.opsForZSet().remove(SessionRegistry.PRESENCE_DUE, users.toArray());
	}

	@Test
	void aSessionWithoutHeartbeatStopsCountingWhenItsLeaseEnds() {
		Instant start = Instant.now();
		registryAt(start).renew(List.of(new SessionRegistry.Session(this.alice, "gw-dead", "s1")));
		registryAt(start.plusSeconds(20)).renew(List.of(new SessionRegistry.Session(this.alice, "gw-live", "s2")));
		assertThat(registryAt(start.plusSeconds(29)).gatewaysOf(List.of(this.alice)).get(this.alice))
			.containsExactlyInAnyOrder("gw-dead", "gw-live");
		assertThat(registryAt(start.plusSeconds(31)).gatewaysOf(List.of(this.alice)).get(this.alice))
			.containsExactly("gw-live");
		registryAt(start.plusSeconds(40)).renew(List.of(new SessionRegistry.Session(this.alice, "gw-live", "s2")));
		assertThat(redis.opsForZSet().size(SessionRegistry.key(this.alice))).isEqualTo(1);
	}

	@Test
	void aNewSessionSchedulesItsUserForPresenceNowAndRenewalsLeaveTheScheduleAlone() {
		Instant start = Instant.now();
		SessionRegistry.Session phone = new SessionRegistry.Session(this.alice, "gw-a", "phone");
		registryAt(start).renew(List.of(phone));
		assertThat(redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.toEpochMilli());
		// presence-service moved the check to the end of the lease; a renewal keeps it.
		redis.opsForZSet().add(SessionRegistry.PRESENCE_DUE, this.alice, start.plusSeconds(30).toEpochMilli());
		registryAt(start.plusSeconds(10)).renew(List.of(phone));
		assertThat(redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(30).toEpochMilli());
		// A disconnect moves it to now.
		registryAt(start.plusSeconds(12)).remove(phone);
		assertThat(redis.opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(12).toEpochMilli());
		redis.opsForZSet().remove(SessionRegistry.PRESENCE_DUE, this.alice);
	}

	@Test
	void theLatestLeaseOfEachUserWithALiveSessionIsFoundInOneBatch() {
		Instant start = Instant.now();
		registryAt(start).renew(List.of(new SessionRegistry.Session(this.alice, "gw-a", "phone")));
		registryAt(start.plusSeconds(5)).renew(List.of(new SessionRegistry.Session(this.alice, "gw-b", "laptop")));
		registryAt(start).renew(List.of(new SessionRegistry.Session(this.bob, "gw-a", "tablet")));
		Map<String, Instant> ends = registryAt(start.plusSeconds(10))
			.latestLeaseEnds(List.of(this.alice, this.bob, "nobody-" + this.bob));
		assertThat(ends).containsOnlyKeys(this.alice, this.bob);
		assertThat(ends.get(this.alice))
			.isEqualTo(start.plusSeconds(35).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
		assertThat(registryAt(start.plusSeconds(30)).latestLeaseEnds(List.of(this.alice, this.bob)))
			.containsOnlyKeys(this.alice);
		redis.opsForZSet().remove(SessionRegistry.PRESENCE_DUE, this.alice, this.bob);
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

	private List<SessionRegistry.Session> sessions(int count) {
		String run = UUID.randomUUID().toString();
		List<SessionRegistry.Session> sessions = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			sessions.add(new SessionRegistry.Session("storm-" + run + "-" + i, "gw-storm", "s" + i));
		}
		return sessions;
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
