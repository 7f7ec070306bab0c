package dev.blueprint.chat.gateway.session;

import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.contracts.SessionRegistry.RenewalFailedException;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.data.redis.connection.RedisPipelineException;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.web.socket.messaging.SessionConnectedEvent;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/**
 * Keeps this gateway's STOMP sessions in the session registry: registered on CONNECT,
 * renewed every heartbeat (one pipelined call for all of them), removed on DISCONNECT or
 * when the connection drops. If this process dies, its sessions stop counting when their
 * lease ends. While Redis is unreachable the sessions stay connected; they are
 * re-registered by the first heartbeat that succeeds.
 */
public class SessionTracker {

	private static final Logger logger = LoggerFactory.getLogger(SessionTracker.class);

	private final SessionRegistry registry;

	private final String gatewayId;

	private final Map<String, Session> sessions = new ConcurrentHashMap<>();

	private final Counter notRenewed;

	public SessionTracker(SessionRegistry registry, String gatewayId, MeterRegistry meters) {
		this.registry = registry;
		this.gatewayId = gatewayId;
		Gauge.builder("blueprint.chat.gateway.sessions", this.sessions, Map::size)
			.description("Connected STOMP sessions on this gateway")
			.register(meters);
		this.notRenewed = Counter.builder("blueprint.chat.gateway.session.renewal.failures")
			.description("Session leases a heartbeat could not renew (two misses in a row drop a session from the "
					+ "registry until the next renewal)")
			.register(meters);
	}

	@EventListener
	public void connected(SessionConnectedEvent event) {
		Principal user = event.getUser();
		String sessionId = StompHeaderAccessor.wrap(event.getMessage()).getSessionId();
		if (user == null || sessionId == null) {
			return;
		}
		Session session = new Session(user.getName(), this.gatewayId, sessionId);
		this.sessions.put(sessionId, session);
		try {
			this.registry.renew(List.of(session));
		}
		catch (RuntimeException ex) {
			logger.warn("Could not register session {} of {} (retried at the next heartbeat): {}", sessionId,
					user.getName(), ex.toString());
		}
	}

	@EventListener
	public void disconnected(SessionDisconnectEvent event) {
		Session session = this.sessions.remove(event.getSessionId());
		if (session != null) {
			try {
				this.registry.remove(session);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not unregister session {} (its lease will end): {}", session.sessionId(),
						ex.toString());
			}
		}
	}

	@Scheduled(fixedDelayString = "${gateway.heartbeat:10s}", initialDelayString = "${gateway.heartbeat:10s}")
	public void heartbeat() {
		List<Session> live = new ArrayList<>(this.sessions.values());
		try {
			this.registry.renew(live);
		}
		catch (RenewalFailedException ex) {
			this.notRenewed.increment(ex.notRenewed());
			logger.warn(
					"Could not renew {} of {} sessions (their chunk failed twice; next try at the next heartbeat): {}",
					ex.notRenewed(), ex.total(), describe((RuntimeException) ex.getCause()));
		}
		catch (RuntimeException ex) {
			this.notRenewed.increment(live.size());
			logger.warn("Could not renew {} sessions: {}", live.size(), describe(ex));
		}
	}

	/**
	 * The failure, and for a pipeline what actually failed: Spring Data Redis reports
	 * only "one or more invalid commands", both when a command failed (its error is among
	 * the results) and when the whole pipeline timed out (then the timeout is only the
	 * cause and there are no results) — in the chat benchmark's connect storms it was the
	 * timeout.
	 */
	static String describe(RuntimeException ex) {
		if (ex instanceof RedisPipelineException pipeline) {
			return pipeline.getPipelineResult()
				.stream()
				.filter(Throwable.class::isInstance)
				.findFirst()
				.map((first) -> ex + " (first failed command: " + first + ")")
				.orElseGet(() -> (ex.getCause() != null) ? ex + " (cause: " + ex.getCause() + ")" : ex.toString());
		}
		return ex.toString();
	}

	/** Whether a session is connected to this gateway. */
	public boolean isConnected(String sessionId) {
		return this.sessions.containsKey(sessionId);
	}

	public int size() {
		return this.sessions.size();
	}

}
