package dev.blueprint.chat.gateway;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.Counter;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.handler.WebSocketSessionDecorator;

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
 * Tomcat closes with 1001 (going away).</li>
 * <li>The blocking write timeout ({@code gateway.send-time-limit}): a write to a client
 * that stopped reading fails after it instead of Tomcat's 20 s, and Tomcat closes the
 * connection. Spring's own limits only apply when another frame for the session comes
 * while the write waits; without this, a stalled client that got nothing more held an
 * outbound thread for 20 s. Such a close is counted
 * ({@code blueprint.chat.gateway.sessions.terminated{reason=send-timeout}}) and logged
 * here, as Spring sees only a failed send.</li>
 * <li>The close timeout ({@code gateway.send-time-limit} too): once the gateway has sent
 * its close frame, Tomcat waits this long for the client's before it drops the
 * connection. Its default is 30 s, and a client that stopped reading does not answer: a
 * close frame that got through (because the client read a little meanwhile) kept such a
 * connection open for 30 s more ({@code SlowClientIntegrationTests} failed on it in about
 * a third of its runs).</li>
 * </ul>
 * Tomcat checks the idle and close timeouts once a second
 * ({@link WebSocketConfiguration#webSocketContainer}; its default is every 10 s).
 */
final class SessionTimeouts extends WebSocketHandlerDecorator {

	private static final Logger logger = LoggerFactory.getLogger(SessionTimeouts.class);

	/** Tomcat's per-session read idle timeout (a {@code Long}, milliseconds). */
	static final String READ_IDLE_TIMEOUT_MS = "org.apache.tomcat.websocket.READ_IDLE_TIMEOUT_MS";

	/**
	 * Tomcat's per-session timeout of a blocking write (a {@code Long}, milliseconds).
	 */
	static final String BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

	/**
	 * How long Tomcat waits for the client's close frame after sending its own (a
	 * {@code Long}, milliseconds).
	 */
	static final String SESSION_CLOSE_TIMEOUT = "org.apache.tomcat.websocket.SESSION_CLOSE_TIMEOUT";

	private final Long silenceMillis;

	private final Duration sendTimeLimit;

	private final Counter sendTimeouts;

	SessionTimeouts(WebSocketHandler delegate, Duration silence, Duration sendTimeLimit, Counter sendTimeouts) {
		super(delegate);
		this.silenceMillis = silence.toMillis();
		this.sendTimeLimit = sendTimeLimit;
		this.sendTimeouts = sendTimeouts;
	}

	@Override
	public void afterConnectionEstablished(WebSocketSession session) throws Exception {
		if (session instanceof NativeWebSocketSession wrapper) {
			Session container = wrapper.getNativeSession(Session.class);
			if (container != null) {
				container.getUserProperties().put(READ_IDLE_TIMEOUT_MS, this.silenceMillis);
				container.getUserProperties().put(BLOCKING_SEND_TIMEOUT, this.sendTimeLimit.toMillis());
				container.getUserProperties().put(SESSION_CLOSE_TIMEOUT, this.sendTimeLimit.toMillis());
			}
		}
		super.afterConnectionEstablished(new TimedSends(session));
	}

	/** Whether a failed write failed because it waited too long. */
	static boolean timedOut(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof SocketTimeoutException || cause instanceof TimeoutException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The session as Spring's STOMP handler writes to it: a write that timed out is
	 * counted and logged. A {@link WebSocketSessionDecorator}, so that Spring still finds
	 * the SockJS session beneath.
	 */
	private final class TimedSends extends WebSocketSessionDecorator {

		TimedSends(WebSocketSession session) {
			super(session);
		}

		@Override
		public void sendMessage(WebSocketMessage<?> message) throws IOException {
			try {
				super.sendMessage(message);
			}
			catch (IOException ex) {
				if (timedOut(ex)) {
					SessionTimeouts.this.sendTimeouts.increment();
					logger.warn("Closed session {}: a write to its client waited {} (gateway.send-time-limit), "
							+ "it is not reading", getId(), SessionTimeouts.this.sendTimeLimit);
				}
				throw ex;
			}
		}

		@Override
		public String toString() {
			return getDelegate().toString();
		}

	}

}
