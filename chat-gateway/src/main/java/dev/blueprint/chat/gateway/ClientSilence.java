package dev.blueprint.chat.gateway;

import java.time.Duration;

import jakarta.websocket.Session;

import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;

/**
 * Closes a WebSocket connection whose client has sent nothing for
 * {@code gateway.client-silence-timeout}: Tomcat's read idle timeout, set on each session
 * (also under SockJS's WebSocket transport; SockJS's HTTP transports end a session whose
 * client stops polling themselves). Spring's broker holds a client that offers STOMP
 * heart-beats to them, but one that offers none (the STOMP default) was never timed out:
 * a client whose network died silently stayed registered, so online, with deliveries
 * routed to it and its pushes held back, for as long as the TCP connection looked open.
 * Tomcat checks about every 10 s, and closes with 1001 (going away).
 */
final class ClientSilence extends WebSocketHandlerDecorator {

	/** Tomcat's per-session read idle timeout (a {@code Long}, milliseconds). */
	static final String READ_IDLE_TIMEOUT_MS = "org.apache.tomcat.websocket.READ_IDLE_TIMEOUT_MS";

	private final Long timeoutMillis;

	ClientSilence(WebSocketHandler delegate, Duration timeout) {
		super(delegate);
		this.timeoutMillis = timeout.toMillis();
	}

	@Override
	public void afterConnectionEstablished(WebSocketSession session) throws Exception {
		if (session instanceof NativeWebSocketSession wrapper) {
			Session container = wrapper.getNativeSession(Session.class);
			if (container != null) {
				container.getUserProperties().put(READ_IDLE_TIMEOUT_MS, this.timeoutMillis);
			}
		}
		super.afterConnectionEstablished(session);
	}

}
