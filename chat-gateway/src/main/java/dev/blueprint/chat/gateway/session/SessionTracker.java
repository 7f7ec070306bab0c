package dev.blueprint.chat.gateway.session;

import java.time.Duration;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.chat.contracts.SessionRegistry.NotWrittenException;
import dev.blueprint.chat.contracts.SessionRegistry.Session;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
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
 * <p>
 * Removals are queued and written by one thread, everything queued together (one pipeline
 * per 500 sessions): a closing connection never waits for Redis, and when thousands close
 * at once (a load balancer or a network failing) they take a few round trips on one
 * pooled Redis connection, not a round trip each on as many Tomcat threads queueing for
 * the pool's eight connections. Frames only ever go to sessions that are still open
 * (Spring's user registry), so a queued removal loses nothing; the registry and presence
 * see the close a round trip later. A removal is never overtaken by a heartbeat that
 * listed the session before it closed.
 */
public class SessionTracker implements SmartLifecycle {

	/**
	 * How long a stop waits for the removing thread to finish what it is removing; the
	 * rest queued is then removed in the stopping thread.
	 */
	public static final Duration STOP_WAIT = Duration.ofSeconds(5);

	private static final Logger logger = LoggerFactory.getLogger(SessionTracker.class);

	private final SessionRegistry registry;

	private final String gatewayId;

	private final ClosedSessions closedSessions;

	private final Map<String, Session> sessions = new ConcurrentHashMap<>();

	private final BlockingQueue<Session> closed = new LinkedBlockingQueue<>();

	/** Closed sessions queued or being written. */
	private final AtomicInteger pending = new AtomicInteger();

	/**
	 * Held by a heartbeat from its list of live sessions to its last renewal, and by each
	 * removal: a removal is written after any renewal that listed its session (a renewal
	 * written after the removal would register the closed session again until its lease
	 * ended). A session leaves the live sessions before its removal is queued.
	 */
	private final Object registryWrites = new Object();

	private volatile Remover remover;

	private final Counter notRenewed;

	private final Counter notRemoved;

	public SessionTracker(SessionRegistry registry, String gatewayId, ClosedSessions closedSessions,
			MeterRegistry meters) {
		this.registry = registry;
		this.gatewayId = gatewayId;
		this.closedSessions = closedSessions;
		Gauge.builder("blueprint.chat.gateway.sessions", this.sessions, Map::size)
			.description("Connected STOMP sessions on this gateway")
			.register(meters);
		Gauge.builder("blueprint.chat.gateway.session.removals.pending", this.pending, AtomicInteger::get)
			.description("Closed sessions not yet removed from the registry (queued or being written)")
			.register(meters);
		this.notRemoved = Counter.builder("blueprint.chat.gateway.session.removal.failures")
			.description("Closed sessions the registry could not forget (they stop counting when their lease ends)")
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
		if (this.closedSessions.isClosed(sessionId)) {
			// its disconnect event came first; a heartbeat may have listed it meanwhile
			if (this.sessions.remove(sessionId) != null) {
				queueRemoval(session);
			}
			return;
		}
		try {
			this.registry.register(List.of(session));
		}
		catch (RuntimeException ex) {
			logger.warn("Could not register session {} of {} (retried at the next heartbeat): {}", sessionId,
					user.getName(), ex.toString());
		}
		if (!this.sessions.containsKey(sessionId)) {
			// closed while it was being registered: its removal may have been written
			// first
			queueRemoval(session);
		}
	}

	@EventListener
	public void disconnected(SessionDisconnectEvent event) {
		Session session = this.sessions.remove(event.getSessionId());
		if (session != null) {
			queueRemoval(session);
		}
	}

	private void queueRemoval(Session session) {
		this.pending.incrementAndGet();
		this.closed.add(session);
	}

	private void remove(List<Session> batch) {
		try {
			synchronized (this.registryWrites) {
				this.registry.remove(batch);
			}
		}
		catch (NotWrittenException ex) {
			this.notRemoved.increment(ex.notWritten());
			logger.warn("Could not unregister {} of {} closed sessions (their leases will end): {}", ex.notWritten(),
					ex.total(), describe((RuntimeException) ex.getCause()));
		}
		catch (RuntimeException ex) {
			this.notRemoved.increment(batch.size());
			logger.warn("Could not unregister {} closed sessions (their leases will end): {}", batch.size(),
					describe(ex));
		}
		finally {
			this.pending.addAndGet(-batch.size());
		}
	}

	@Override
	public synchronized void start() {
		if (this.remover == null) {
			this.remover = new Remover();
		}
	}

	/**
	 * Stops the removing thread and removes what is still queued. Runs after the server
	 * closed every session (the WebSocket handler and the web server stop in higher
	 * phases) and before the Redis connections close (Lettuce stops in phase 0).
	 */
	@Override
	public synchronized void stop() {
		Remover running = this.remover;
		if (running == null) {
			return;
		}
		running.stopAndWait();
		this.remover = null;
		List<Session> rest = new ArrayList<>();
		this.closed.drainTo(rest);
		if (!rest.isEmpty()) {
			remove(rest);
		}
	}

	@Override
	public boolean isRunning() {
		return this.remover != null;
	}

	@Override
	public int getPhase() {
		return 1;
	}

	@Scheduled(fixedDelayString = "${gateway.heartbeat:10s}", initialDelayString = "${gateway.heartbeat:10s}")
	public void heartbeat() {
		synchronized (this.registryWrites) {
			List<Session> live = new ArrayList<>(this.sessions.values());
			try {
				this.registry.renew(live);
			}
			catch (NotWrittenException ex) {
				this.notRenewed.increment(ex.notWritten());
				logger.warn(
						"Could not renew {} of {} sessions (their chunk failed twice; next try at the next heartbeat): {}",
						ex.notWritten(), ex.total(), describe((RuntimeException) ex.getCause()));
			}
			catch (RuntimeException ex) {
				this.notRenewed.increment(live.size());
				logger.warn("Could not renew {} sessions: {}", live.size(), describe(ex));
			}
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

	/**
	 * The thread that writes the queued removals, all that waits together, until it is
	 * told to stop (each with its own flag: a stop that gave up waiting and a start after
	 * it never leave two running). A failure other than Redis's is logged and the thread
	 * goes on, so removals never silently stop.
	 */
	private final class Remover implements Runnable {

		private final Thread thread = new Thread(this, "session-remover");

		private volatile boolean stopping;

		Remover() {
			this.thread.setDaemon(true);
			this.thread.start();
		}

		@Override
		public void run() {
			List<Session> batch = new ArrayList<>();
			while (!this.stopping) {
				try {
					Session first = SessionTracker.this.closed.poll(1, TimeUnit.SECONDS);
					if (first != null) {
						batch.add(first);
						SessionTracker.this.closed.drainTo(batch);
						remove(batch);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				catch (RuntimeException | Error ex) {
					logger.error("Removing closed sessions failed; going on", ex);
				}
				finally {
					batch.clear();
				}
			}
		}

		void stopAndWait() {
			this.stopping = true;
			try {
				this.thread.join(STOP_WAIT.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
