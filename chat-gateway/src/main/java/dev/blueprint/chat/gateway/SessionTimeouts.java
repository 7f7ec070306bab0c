package dev.blueprint.chat.gateway;

import java.time.Duration;

import jakarta.websocket.Session;

import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;

/**
 * Tomcat's two per-session timeouts, set on each WebSocket session (also under SockJS's
 * WebSocket transport; SockJS's HTTP transports end a session whose client stops polling
 * themselves).
 * <ul>
 * <li>The read idle timeout ({@code gateway.client-silence-timeout}) closes a connection
 * whose client has sent nothing that long. Spring's broker holds a client that offers
 * STOMP heart-beats to them, but one that offers none (the STOMP default) was never timed
 * out: a client whose network died silently stayed registered, so online, with deliveries
 * routed to it and its pushes held back, for as long as the TCP connection looked open.
 * Tomcat checks about every 10 s, and closes with 1001 (going away).</li>
 * <li>The blocking write timeout ({@code gateway.send-time-limit}): a write to a client
 * that stopped reading fails after it instead of Tomcat's 20 s, and the connection
 * closes. Spring's own limit only closes the session from another thread, which then
 * waits for the blocked write too; without this each such client held two outbound
 * threads for 20 s.</li>
 * </ul>
 */
final class SessionTimeouts extends WebSocketHandlerDecorator {

	/** Tomcat's per-session read idle timeout (a {@code Long}, milliseconds). */
	static final String READ_IDLE_TIMEOUT_MS = "org.apache.tomcat.websocket.READ_IDLE_TIMEOUT_MS";

	/**
	 * Tomcat's per-session timeout of a blocking write (a {@code Long}, milliseconds).
	 */
	static final String BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

	private final Long silenceMillis;

	private final Long sendMillis;

	SessionTimeouts(WebSocketHandler delegate, Duration silence, Duration sendTimeLimit) {
		super(delegate);
		this.silenceMillis = silence.toMillis();
		this.sendMillis = sendTimeLimit.toMillis();
	}

	@Override
	public void afterConnectionEstablished(WebSocketSession session) throws Exception {
		if (session instanceof NativeWebSocketSession wrapper) {
			Session container = wrapper.getNativeSession(Session.class);
			if (container != null) {
				container.getUserProperties().put(READ_IDLE_TIMEOUT_MS, this.silenceMillis);
				container.getUserProperties().put(BLOCKING_SEND_TIMEOUT, this.sendMillis);
			}
		}
		super.afterConnectionEstablished(session);
	}

}
