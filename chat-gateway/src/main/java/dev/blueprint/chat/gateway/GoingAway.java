package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;

/**
 * Closes every WebSocket session with 1001 (going away) as the gateway begins to stop,
 * {@value #CLOSERS} at a time, and waits at most {@code gateway.send-time-limit} plus a
 * second for them; the clients reconnect to another instance and catch up by seq.
 * <p>
 * Spring's STOMP handler closes its sessions too when it stops, but one after the other:
 * the close frame to a client that stopped reading waits up to
 * {@code gateway.send-time-limit} (5 s), so each such client added 5 s to the shutdown,
 * without bound, and the kubelet killed the JVM under what followed (the presence
 * registry's removals among it). Closed here first (the context's closed event comes
 * before its lifecycle beans stop), those sessions are closing already when the handler
 * gets to them, and its close returns at once.
 */
final class GoingAway implements ApplicationListener<ContextClosedEvent> {

	private static final Logger logger = LoggerFactory.getLogger(GoingAway.class);

	/** Sessions closed at once: each a thread while its close frame is written. */
	static final int CLOSERS = 32;

	private final Set<WebSocketSession> open = ConcurrentHashMap.newKeySet();

	private final Duration wait;

	/**
	 * @param sendTimeLimit how long one close frame may wait for its client
	 * ({@code gateway.send-time-limit})
	 */
	GoingAway(Duration sendTimeLimit) {
		this.wait = closeWait(sendTimeLimit);
	}

	/** How long the shutdown waits for the sessions' closes at most. */
	static Duration closeWait(Duration sendTimeLimit) {
		return sendTimeLimit.plusSeconds(1);
	}

	/** The handler, keeping track of the sessions open through it. */
	WebSocketHandler decorate(WebSocketHandler handler) {
		return new WebSocketHandlerDecorator(handler) {

			@Override
			public void afterConnectionEstablished(WebSocketSession session) throws Exception {
				GoingAway.this.open.add(session);
				super.afterConnectionEstablished(session);
			}

			@Override
			public void afterConnectionClosed(WebSocketSession session, CloseStatus status) throws Exception {
				GoingAway.this.open.remove(session);
				super.afterConnectionClosed(session, status);
			}

		};
	}

	/** Sessions open now. */
	int open() {
		return this.open.size();
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		closeAll();
	}

	/**
	 * Closes every open session, {@value #CLOSERS} at a time, waiting at most
	 * {@link #closeWait}.
	 * @return how many closes had not ended by then
	 */
	int closeAll() {
		List<WebSocketSession> sessions = List.copyOf(this.open);
		if (sessions.isEmpty()) {
			return 0;
		}
		long start = System.nanoTime();
		AtomicInteger count = new AtomicInteger();
		ExecutorService closers = Executors.newFixedThreadPool(Math.min(CLOSERS, sessions.size()), (task) -> {
			Thread thread = new Thread(task, "going-away-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		AtomicInteger unfinished = new AtomicInteger(sessions.size());
		for (WebSocketSession session : sessions) {
			closers.execute(() -> {
				try {
					session.close(CloseStatus.GOING_AWAY);
				}
				catch (Exception ex) {
					logger.debug("Closing session {} failed: {}", session.getId(), ex.toString());
				}
				finally {
					unfinished.decrementAndGet();
				}
			});
		}
		closers.shutdown();
		try {
			closers.awaitTermination(this.wait.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		closers.shutdownNow();
		int left = unfinished.get();
		logger.info("Stopping: closed {} WebSocket session(s) with 1001 (going away) in {} ms{}", sessions.size(),
				TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
				(left > 0) ? "; " + left + " close(s) still waiting for their clients (Tomcat ends them)" : "");
		return left;
	}

}
