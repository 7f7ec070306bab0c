package dev.blueprint.presence.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.testsupport.RealInfrastructure;
import dev.blueprint.testsupport.TestTokens;
import dev.blueprint.testsupport.chat.ConversationsStub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * presence-service against the build's real Redis, with short leases so expiry shows in
 * seconds: a 2 s lease (the gateways renew every 0.5 s here), a sweep every 200 ms, an
 * offline grace of 1 s. Tests play the gateways through the real {@link SessionRegistry}
 * and listen on the real {@value PresenceChanged#CHANNEL} channel.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "presence.session-lease=2s", "presence.sweep-interval=200ms", "presence.claim-timeout=2s",
				"presence.max-query-users=3", "presence.contacts.cache-ttl=1s", "PRESENCE_UPDATE_BURST=3",
				"presence.recovery-grace=3s", "presence.offline-grace=1s",
				// The build machine is shared: leave room for slow Redis round trips.
				"spring.data.redis.timeout=5s" })
@AutoConfigureMetrics
@RealInfrastructure
public abstract class PresenceIntegrationTest {

	protected static final Duration LEASE = Duration.ofSeconds(2);

	protected static final Duration SWEEP = Duration.ofMillis(200);

	/** How long a user whose last device disconnected is shown as before. */
	protected static final Duration OFFLINE_GRACE = Duration.ofSeconds(1);

	protected static final ConversationsStub conversations = new ConversationsStub();

	private static final ChatEventCodec codec = new ChatEventCodec();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	protected int port;

	@Autowired
	protected StringRedisTemplate redis;

	@Autowired
	private RedisConnectionFactory connections;

	private RedisMessageListenerContainer listener;

	private final BlockingQueue<PresenceChanged> changes = new LinkedBlockingQueue<>();

	@DynamicPropertySource
	static void chatMessageService(DynamicPropertyRegistry registry) {
		registry.add("presence.contacts.url", conversations::url);
	}

	@BeforeEach
	void listen() throws Exception {
		this.listener = new RedisMessageListenerContainer();
		this.listener.setConnectionFactory(this.connections);
		this.listener
			.addMessageListener(
					(message,
							pattern) -> this.changes.add(codec.decodePresence(
									new String(message.getBody(), java.nio.charset.StandardCharsets.UTF_8))),
					new ChannelTopic(PresenceChanged.CHANNEL));
		this.listener.afterPropertiesSet();
		this.listener.start();
		// Subscribed before the test publishes anything.
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (!this.listener.isListening() && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		Thread.sleep(100);
	}

	@AfterEach
	void stopListening() throws Exception {
		this.listener.stop();
		this.listener.destroy();
	}

	protected static String unique(String name) {
		return name + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** The session registry as a gateway writes it, at a given time. */
	protected SessionRegistry gatewayAt(Instant now) {
		return new SessionRegistry(this.redis, LEASE, Clock.fixed(now, ZoneOffset.UTC));
	}

	protected SessionRegistry gateway() {
		return new SessionRegistry(this.redis, LEASE, Clock.systemUTC());
	}

	/**
	 * Registers sessions and renews them every 0.5 s (as their gateway would, under half
	 * the lease) until closed; closing does not remove them.
	 */
	protected AutoCloseable heartbeat(SessionRegistry.Session... sessions) {
		return heartbeat(gateway(), sessions);
	}

	/**
	 * {@link #heartbeat(SessionRegistry.Session...)} through a registry of its own lease.
	 */
	protected AutoCloseable heartbeat(SessionRegistry registry, SessionRegistry.Session... sessions) {
		java.util.concurrent.ScheduledExecutorService renewals = java.util.concurrent.Executors
			.newSingleThreadScheduledExecutor();
		List<SessionRegistry.Session> all = List.of(sessions);
		// renewed, not registered: a registration moves the user's check to now, and a
		// test that scheduled its users itself (a crowd due at one instant) needs them
		// left
		registry.renew(all);
		renewals.scheduleAtFixedRate(() -> {
			try {
				registry.renew(all);
			}
			catch (RuntimeException ex) {
				// Redis unreachable: a gateway counts it and renews at its next heartbeat
				// (a task that throws would not run again)
			}
		}, 500, 500, TimeUnit.MILLISECONDS);
		return () -> {
			renewals.shutdown();
			renewals.awaitTermination(5, TimeUnit.SECONDS);
		};
	}

	/** Waits for an online change of each user; returns those that came. */
	protected java.util.Set<String> awaitOnline(java.util.Collection<String> users, Duration timeout)
			throws InterruptedException {
		java.util.Set<String> online = new java.util.HashSet<>();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (online.size() < users.size()) {
			long left = deadline - System.nanoTime();
			PresenceChanged change = (left > 0) ? this.changes.poll(left, TimeUnit.NANOSECONDS) : null;
			if (change == null) {
				break;
			}
			if (change.status().equals("online") && users.contains(change.userId())) {
				online.add(change.userId());
			}
		}
		return online;
	}

	/** The next change published for {@code user}, or {@code null} after the timeout. */
	protected PresenceChanged nextChange(String user, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return null;
			}
			PresenceChanged change = this.changes.poll(left, TimeUnit.NANOSECONDS);
			if (change == null) {
				return null;
			}
			if (change.userId().equals(user)) {
				return change;
			}
		}
	}

	protected PresenceChanged expectChange(String user, Duration timeout) throws InterruptedException {
		PresenceChanged change = nextChange(user, timeout);
		if (change == null) {
			throw new AssertionError("no presence change of " + user + " within " + timeout);
		}
		return change;
	}

	protected HttpResponse<String> request(String user, String method, String path, String body) throws Exception {
		return requestAuthorized((user != null) ? TestTokens.bearer(user) : null, method, path, body);
	}

	/** A request with this {@code Authorization} header ({@code null}: none). */
	protected HttpResponse<String> requestAuthorized(String authorization, String method, String path, String body)
			throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.header("Content-Type", "application/json")
			.method(method,
					(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
