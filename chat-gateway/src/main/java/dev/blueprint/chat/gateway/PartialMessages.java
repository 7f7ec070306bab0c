package dev.blueprint.chat.gateway;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;

/**
 * Takes a client's WebSocket message in the parts the container reads it in (up to
 * {@code gateway.message-buffer-size} each), so that the container's per-session buffers
 * need not hold the largest frame: Spring's STOMP decoder already joins a frame that
 * comes in several parts. A message longer than {@code gateway.max-frame-size} closes the
 * connection as the container would (1009, message too big), once it is past the limit: a
 * client cannot make the gateway hold more than that for it. (A frame whose
 * {@code content-length} is above the limit is refused earlier by Spring's STOMP decoder,
 * with a STOMP ERROR frame.) Over SockJS's WebSocket transport SockJS decodes a message
 * before it reaches this handler, so {@link SockJsHandshake} joins its parts below
 * SockJS.
 */
final class PartialMessages extends WebSocketHandlerDecorator {

	private final int limit;

	/** Bytes so far of each session's unfinished message (sessions in between). */
	private final Map<String, Integer> unfinished = new ConcurrentHashMap<>();

	private final int bufferSize;

	PartialMessages(WebSocketHandler delegate, int limit, int bufferSize) {
		super(delegate);
		this.limit = limit;
		this.bufferSize = bufferSize;
	}

	/**
	 * Keeps the container's text buffer of the session at {@code bufferSize}: Spring's
	 * STOMP handler has just raised it to 16,640 characters
	 * ({@code StompSubProtocolHandler.MINIMUM_WEBSOCKET_MESSAGE_SIZE}) so that a frame
	 * would fit whole, and Tomcat would allocate that (33 KB) at the session's first
	 * message and keep it while the session is open. Frames come in parts here (and below
	 * SockJS, {@link SockJsHandshake}), so the configured buffer does. SockJS's HTTP
	 * sessions have no such buffer ({@code -1}).
	 */
	@Override
	public void afterConnectionEstablished(WebSocketSession session) throws Exception {
		super.afterConnectionEstablished(session);
		if (session.isOpen() && session.getTextMessageSizeLimit() > this.bufferSize) {
			session.setTextMessageSizeLimit(this.bufferSize);
		}
	}

	@Override
	public boolean supportsPartialMessages() {
		return true;
	}

	@Override
	public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) throws Exception {
		Integer before = this.unfinished.get(session.getId());
		if (before == null && message.isLast()) {
			// Whole in one part: within the container's buffer, itself within the limit
			// (and a text message's length would cost an extra UTF-8 encoding).
			super.handleMessage(session, message);
			return;
		}
		long length = ((before != null) ? before : 0L) + message.getPayloadLength();
		if (length > this.limit) {
			this.unfinished.remove(session.getId());
			session.close(CloseStatus.TOO_BIG_TO_PROCESS
				.withReason("a message above " + this.limit + " (gateway.max-frame-size)"));
			return;
		}
		if (message.isLast()) {
			this.unfinished.remove(session.getId());
		}
		else {
			this.unfinished.put(session.getId(), (int) length);
		}
		super.handleMessage(session, message);
	}

	@Override
	public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) throws Exception {
		this.unfinished.remove(session.getId());
		super.afterConnectionClosed(session, closeStatus);
	}

}
