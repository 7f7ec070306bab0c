package dev.blueprint.chat.gateway.session;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/**
 * The sessions that closed in the last minute. Spring publishes a session's connected
 * event on the thread that sends its CONNECTED frame and its disconnect event on the
 * thread that handles the close, without ordering the two: when a client drops right
 * after CONNECT the connected event can come second, and a listener that adds the session
 * then would keep it (and renew it in the registry, where the user would look online)
 * until the gateway restarts. Listeners that track sessions ask here before keeping one.
 * Recorded before any other listener sees the disconnect.
 */
public class ClosedSessions {

	static final Duration REMEMBERED = Duration.ofMinutes(1);

	private final Map<String, Long> closedAt = new ConcurrentHashMap<>();

	private final LongSupplier nanoTime;

	public ClosedSessions() {
		this(System::nanoTime);
	}

	ClosedSessions(LongSupplier nanoTime) {
		this.nanoTime = nanoTime;
	}

	@EventListener
	@Order(Ordered.HIGHEST_PRECEDENCE)
	public void closed(SessionDisconnectEvent event) {
		this.closedAt.put(event.getSessionId(), this.nanoTime.getAsLong());
	}

	/** Whether the session closed within the last minute. */
	public boolean isClosed(String sessionId) {
		return this.closedAt.containsKey(sessionId);
	}

	/**
	 * Forgets sessions closed over a minute ago (their connected events have long come).
	 */
	@Scheduled(fixedDelay = 10_000, initialDelay = 10_000)
	public void forgetOld() {
		long before = this.nanoTime.getAsLong() - REMEMBERED.toNanos();
		this.closedAt.values().removeIf((at) -> at - before < 0);
	}

	int size() {
		return this.closedAt.size();
	}

}
