package dev.blueprint.chat.gateway;

import java.util.Map;

import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.server.HandshakeFailureException;
import org.springframework.web.socket.server.HandshakeHandler;
import org.springframework.web.socket.server.support.DefaultHandshakeHandler;

/**
 * The WebSocket handshake of SockJS's WebSocket transport ({@code /sockjs/…/websocket}):
 * the session it opens takes a client's message in the parts the container reads it in
 * and joins them, up to {@code gateway.max-frame-size} characters, before SockJS decodes
 * it. SockJS's own handler takes only whole messages, and SockJS escapes the STOMP frame
 * again (a body byte may take seven characters, {@code \\u0001}), so otherwise the
 * container's per-session text buffer ({@code gateway.message-buffer-size}, 8 KiB) would
 * be the limit there, and a body within its limit could close the connection (1009). A
 * message is only held while its parts arrive; one longer than the limit closes the
 * connection (1009, message too big) once it is past the limit, as on {@code /ws}
 * ({@link PartialMessages}).
 */
final class SockJsHandshake implements HandshakeHandler {

	private final HandshakeHandler handshake = new DefaultHandshakeHandler();

	private final int limit;

	SockJsHandshake(int limit) {
		this.limit = limit;
	}

	@Override
	public boolean doHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
			Map<String, Object> attributes) throws HandshakeFailureException {
		return this.handshake.doHandshake(request, response, new JoinedParts(handler, this.limit), attributes);
	}

	/** One connection's handler: joins each text message's parts. */
	static final class JoinedParts extends WebSocketHandlerDecorator {

		private final int limit;

		/**
		 * The message so far, while its parts arrive (the container hands over one
		 * session's messages one at a time, each handler serves one session).
		 */
		private StringBuilder unfinished;

		JoinedParts(WebSocketHandler delegate, int limit) {
			super(delegate);
			this.limit = limit;
		}

		@Override
		public boolean supportsPartialMessages() {
			return true;
		}

		@Override
		public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) throws Exception {
			if (!(message instanceof TextMessage text) || (this.unfinished == null && text.isLast())) {
				// Whole, or binary (which SockJS refuses itself).
				super.handleMessage(session, message);
				return;
			}
			String part = text.getPayload();
			int length = ((this.unfinished != null) ? this.unfinished.length() : 0) + part.length();
			if (length > this.limit) {
				this.unfinished = null;
				session.close(CloseStatus.TOO_BIG_TO_PROCESS
					.withReason("a message above " + this.limit + " characters (gateway.max-frame-size)"));
				return;
			}
			if (this.unfinished == null) {
				this.unfinished = new StringBuilder(length);
			}
			this.unfinished.append(part);
			if (text.isLast()) {
				String whole = this.unfinished.toString();
				this.unfinished = null;
				super.handleMessage(session, new TextMessage(whole));
			}
		}

	}

}
