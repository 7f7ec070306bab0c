package dev.blueprint.chat.contracts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the session registry does, against a real Redis of each shape production may run:
 * one server ({@link SessionRegistryIntegrationTests}) and a Redis Cluster
 * ({@link SessionRegistryClusterIntegrationTests}), where every batch's pipelines span
 * the nodes and each user's keys sit on their own slots.
 */
abstract class SessionRegistryContract {

	private final String alice = "alice-" + UUID.randomUUID();

	private final String bob = "bob-" + UUID.randomUUID();

	/** The Redis under test. */
	protected abstract StringRedisTemplate redis();

	protected SessionRegistry registryAt(Instant now) {
		return new SessionRegistry(redis(), Duration.ofSeconds(30), Clock.fixed(now, ZoneOffset.UTC));
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
		// two leases: an ended lease stays listed for a lease (latestLeases)
		assertThat(redis().getExpire(SessionRegistry.key(this.alice))).isBetween(31L, 60L);
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
			redis().opsForZSet()
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
		redis().opsForZSet().add(SessionRegistry.PRESENCE_DUE, users.get(0), now.plusSeconds(30).toEpochMilli());
		redis().opsForZSet().add(SessionRegistry.PRESENCE_DUE, users.get(1199), now.plusSeconds(30).toEpochMilli());

		registryAt(now.plusSeconds(2)).remove(closed);

		Map<String, List<SessionRegistry.Session>> left = registry.sessionsOf(users);
		assertThat(left).hasSize(1200);
		assertThat(left.values()).allSatisfy((sessions) -> assertThat(sessions).singleElement()
			.extracting(SessionRegistry.Session::sessionId)
			.isEqualTo("phone"));
		// their users are looked at now, in the first chunk and the last
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, users.get(0)))
			.isEqualTo((double) now.plusSeconds(2).toEpochMilli());
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, users.get(1199)))
			.isEqualTo((double) now.plusSeconds(2).toEpochMilli());
		redis().opsForZSet().remove(SessionRegistry.PRESENCE_DUE, users.toArray());
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
		assertThat(redis().opsForZSet().size(SessionRegistry.key(this.alice))).isEqualTo(1);
	}

	@Test
	void aNewSessionSchedulesItsUserForPresenceNowAndRenewalsLeaveTheScheduleAlone() {
		Instant start = Instant.now();
		SessionRegistry.Session phone = new SessionRegistry.Session(this.alice, "gw-a", "phone");
		registryAt(start).renew(List.of(phone));
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.toEpochMilli());
		// presence-service moved the check to the end of the lease; a renewal keeps it.
		redis().opsForZSet().add(SessionRegistry.PRESENCE_DUE, this.alice, start.plusSeconds(30).toEpochMilli());
		registryAt(start.plusSeconds(10)).renew(List.of(phone));
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(30).toEpochMilli());
		// A disconnect moves it to now.
		registryAt(start.plusSeconds(12)).remove(phone);
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(12).toEpochMilli());
		redis().opsForZSet().remove(SessionRegistry.PRESENCE_DUE, this.alice);
	}

	/**
	 * A new session (a device back within the offline grace, its user scheduled for the
	 * grace's end) moves its user's check to now; a later check is never moved later.
	 */
	@Test
	void aRegistrationMovesItsUsersCheckToNowButNeverLater() {
		Instant start = Instant.now();
		SessionRegistry.Session laptop = new SessionRegistry.Session(this.alice, "gw-b", "laptop");
		redis().opsForZSet().add(SessionRegistry.PRESENCE_DUE, this.alice, start.plusSeconds(10).toEpochMilli());
		registryAt(start.plusSeconds(3)).register(List.of(laptop));
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(3).toEpochMilli());
		assertThat(registryAt(start.plusSeconds(3)).sessionsOf(List.of(this.alice)).get(this.alice))
			.containsExactly(laptop);
		// only ever moved earlier: a check due before now stays
		registryAt(start.plusSeconds(1)).register(List.of(laptop));
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(1).toEpochMilli());
		registryAt(start.plusSeconds(2)).register(List.of(laptop));
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(1).toEpochMilli());
		// a user not scheduled is added
		redis().opsForZSet().remove(SessionRegistry.PRESENCE_DUE, this.alice);
		registryAt(start.plusSeconds(4)).register(List.of(laptop));
		assertThat(redis().opsForZSet().score(SessionRegistry.PRESENCE_DUE, this.alice))
			.isEqualTo((double) start.plusSeconds(4).toEpochMilli());
		registryAt(start.plusSeconds(4)).remove(laptop);
		redis().opsForZSet().remove(SessionRegistry.PRESENCE_DUE, this.alice);
	}

	/**
	 * A lease that ran out is still listed, ended, for a lease; a removed session is not:
	 * presence-service tells a device gone silent from one that disconnected.
	 */
	@Test
	void anEndedLeaseIsListedUntilTheKeyExpiresAndARemovedSessionIsNot() {
		Instant start = Instant.now().minusSeconds(40);
		SessionRegistry.Session phone = new SessionRegistry.Session(this.alice, "gw-dead", "phone");
		SessionRegistry.Session laptop = new SessionRegistry.Session(this.bob, "gw-a", "laptop");
		registryAt(start).renew(List.of(phone));
		registryAt(Instant.now()).register(List.of(laptop));
		registryAt(Instant.now()).remove(laptop);
		SessionRegistry now = registryAt(Instant.now());
		assertThat(now.latestLeases(List.of(this.alice, this.bob)))
			.containsExactly(Map.entry(this.alice, start.plusSeconds(30).truncatedTo(ChronoUnit.MILLIS)));
		assertThat(now.latestLeaseEnds(List.of(this.alice, this.bob))).isEmpty();
		redis().opsForZSet().remove(SessionRegistry.PRESENCE_DUE, this.alice, this.bob);
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
		redis().opsForZSet().remove(SessionRegistry.PRESENCE_DUE, this.alice, this.bob);
	}

	protected List<SessionRegistry.Session> sessions(int count) {
		String run = UUID.randomUUID().toString();
		List<SessionRegistry.Session> sessions = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			sessions.add(new SessionRegistry.Session("storm-" + run + "-" + i, "gw-storm", "s" + i));
		}
		return sessions;
	}

}
