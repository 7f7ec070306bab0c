package dev.blueprint.chat.gateway.session;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.testsupport.TestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.messaging.SessionConnectedEvent;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session tracker against the real Redis: sessions that close are removed by one
 * thread in batches, so closing never waits for Redis, and what Redis refuses is counted.
 * Uses database 14 (writes a paused or timed-out pipeline makes late stay out of the
 * database the other tests use).
 */
class SessionTrackerIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final String gateway = "gw-" + UUID.randomUUID();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ClosedSessions closedSessions = new ClosedSessions();

	private final LettuceConnectionFactory connections = connections(Duration.ofSeconds(30));

	private final StringRedisTemplate redis = new StringRedisTemplate(this.connections);

	private final SessionRegistry registry = new SessionRegistry(this.redis, Duration.ofSeconds(30), Clock.systemUTC());

	private final List<LettuceConnectionFactory> opened = new ArrayList<>(List.of(this.connections));

	private final List<SessionTracker> trackers = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		unpauseWrites();
		this.trackers.forEach(SessionTracker::stop);
		this.redis.execute((RedisCallback<Object>) (connection) -> {
			connection.serverCommands().flushDb();
			return null;
		});
		this.opened.forEach(LettuceConnectionFactory::destroy);
	}

	@Test
	void closingThousandsOfSessionsNeverWaitsForRedisAndTheRegistryForgetsThemWhenItAnswers() throws Exception {
		SessionTracker tracker = started(this.registry);
		List<String> users = users(2000);
		users.forEach((user) -> tracker.connected(connected(user, "s-" + user)));
		assertThat(this.registry.sessionsOf(users)).hasSize(2000);

		// Redis holds every write for 10 s: the old tracker waited for it on every
		// closing connection's thread (one round trip each).
		long started = System.nanoTime();
		pauseWrites(Duration.ofSeconds(10));
		users.forEach((user) -> close(tracker, user, "s-" + user));
		Duration closing = Duration.ofNanos(System.nanoTime() - started);

		assertThat(closing).as("2,000 closes while Redis holds writes").isLessThan(Duration.ofSeconds(5));
		assertThat(tracker.size()).isZero();
		assertThat(this.registry.sessionsOf(users)).as("still registered: the writes wait").hasSize(2000);
		unpauseWrites();
		awaitTrue(() -> this.registry.sessionsOf(users).isEmpty());
		awaitTrue(() -> queued() == 0);
		assertThat(notRemoved()).isZero();
	}

	@Test
	void sessionsThatCloseDuringAHeartbeatAreNotRegisteredAgainByIt() throws Exception {
		// 2,000 sessions: the heartbeat renews them in four pipelines. Redis holds its
		// first for 2 s while every session closes; then it writes in arrival order. A
		// removal written between two of the heartbeat's pipelines would be undone by the
		// later ones (the sessions would count until their leases ended).
		SessionTracker tracker = started(this.registry);
		List<String> users = users(2000);
		users.forEach((user) -> tracker.connected(connected(user, "s-" + user)));

		pauseWrites(Duration.ofSeconds(2));
		Thread heartbeat = new Thread(tracker::heartbeat);
		heartbeat.start();
		// until it waits for Redis: it has listed the sessions
		awaitTrue(() -> heartbeat.getState() == Thread.State.WAITING
				|| heartbeat.getState() == Thread.State.TIMED_WAITING);
		users.forEach((user) -> close(tracker, user, "s-" + user));
		heartbeat.join();
		awaitTrue(() -> queued() == 0);

		assertThat(this.registry.sessionsOf(users).keySet()).as("sessions registered again").isEmpty();
	}

	@Test
	void aConnectedEventThatComesAfterTheSessionsCloseRegistersNothing() {
		// Spring publishes the two events on different threads: a client that drops
		// right after CONNECT can have its disconnect seen first.
		SessionTracker tracker = started(this.registry);
		String user = "early-" + this.gateway;
		SessionDisconnectEvent closed = disconnected(user, "s-early");
		this.closedSessions.closed(closed);
		tracker.disconnected(closed);
		tracker.connected(connected(user, "s-early"));
		tracker.heartbeat();

		assertThat(tracker.size()).isZero();
		assertThat(tracker.isConnected("s-early")).isFalse();
		assertThat(this.registry.sessionsOf(List.of(user))).isEmpty();
	}

	@Test
	void whatIsQueuedWhenTheGatewayStopsIsRemovedBeforeStopReturns() {
		SessionTracker tracker = started(this.registry);
		List<String> users = users(300);
		users.forEach((user) -> tracker.connected(connected(user, "s-" + user)));

		pauseWrites(Duration.ofSeconds(2));
		users.forEach((user) -> close(tracker, user, "s-" + user));
		tracker.stop();

		assertThat(tracker.isRunning()).isFalse();
		assertThat(this.registry.sessionsOf(users).keySet()).isEmpty();
		assertThat(queued()).isZero();
	}

	@Test
	void removalsRedisRefusesAreCountedAndTheNextOnesStillGetThrough() {
		// commands time out after 1 s; Redis holds writes for 10 s: every batch fails
		// twice
		SessionRegistry impatient = new SessionRegistry(new StringRedisTemplate(connections(Duration.ofSeconds(1))),
				Duration.ofSeconds(30), Clock.systemUTC());
		SessionTracker tracker = started(impatient);
		List<String> users = users(100);
		users.forEach((user) -> tracker.connected(connected(user, "s-" + user)));

		pauseWrites(Duration.ofSeconds(10));
		users.forEach((user) -> close(tracker, user, "s-" + user));
		awaitTrue(() -> notRemoved() == 100);
		unpauseWrites();
		tracker.connected(connected("late-" + this.gateway, "late"));
		close(tracker, "late-" + this.gateway, "late");
		awaitTrue(() -> this.registry.sessionsOf(List.of("late-" + this.gateway)).isEmpty() && queued() == 0);

		assertThat(notRemoved()).isEqualTo(100);
	}

	/** What the application's event multicaster does: the closed sessions first. */
	private void close(SessionTracker tracker, String user, String sessionId) {
		SessionDisconnectEvent event = disconnected(user, sessionId);
		this.closedSessions.closed(event);
		tracker.disconnected(event);
	}

	private SessionTracker started(SessionRegistry registry) {
		SessionTracker tracker = new SessionTracker(registry, this.gateway, this.closedSessions, this.meters);
		tracker.start();
		assertThat(tracker.isRunning()).isTrue();
		this.trackers.add(tracker);
		return tracker;
	}

	private List<String> users(int count) {
		List<String> users = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			users.add("u" + i + "-" + this.gateway);
		}
		return users;
	}

	private double queued() {
		return this.meters.get("blueprint.chat.gateway.session.removals.pending").gauge().value();
	}

	private double notRemoved() {
		return this.meters.get("blueprint.chat.gateway.session.removal.failures").counter().count();
	}

	private LettuceConnectionFactory connections(Duration timeout) {
		RedisStandaloneConfiguration database = new RedisStandaloneConfiguration("127.0.0.1",
				TestInfrastructure.local().redisPort());
		database.setDatabase(14);
		LettuceConnectionFactory factory = new LettuceConnectionFactory(database,
				LettuceClientConfiguration.builder().commandTimeout(timeout).build());
		factory.afterPropertiesSet();
		factory.start();
		if (this.opened != null) {
			this.opened.add(factory);
		}
		return factory;
	}

	private void pauseWrites(Duration duration) {
		this.redis.execute((RedisCallback<Object>) (connection) -> connection.execute("CLIENT", bytes("PAUSE"),
				bytes(Long.toString(duration.toMillis())), bytes("WRITE")));
	}

	/** From a connection of its own: the shared one's commands may wait behind writes. */
	private void unpauseWrites() {
		LettuceConnectionFactory own = connections(Duration.ofSeconds(5));
		new StringRedisTemplate(own)
			.execute((RedisCallback<Object>) (connection) -> connection.execute("CLIENT", bytes("UNPAUSE")));
	}

	private static void awaitTrue(BooleanSupplier condition) {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("waited %s", WAIT).isLessThan(deadline);
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
	}

	private static SessionConnectedEvent connected(String user, String sessionId) {
		StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.CONNECTED);
		headers.setSessionId(sessionId);
		Message<byte[]> message = MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
		return new SessionConnectedEvent(SessionTrackerIntegrationTests.class, message, principal(user));
	}

	private static SessionDisconnectEvent disconnected(String user, String sessionId) {
		StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.DISCONNECT);
		headers.setSessionId(sessionId);
		Message<byte[]> message = MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
		return new SessionDisconnectEvent(SessionTrackerIntegrationTests.class, message, sessionId, CloseStatus.NORMAL,
				principal(user));
	}

	private static Principal principal(String user) {
		return () -> user;
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
