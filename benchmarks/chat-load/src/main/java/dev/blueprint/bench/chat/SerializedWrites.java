package dev.blueprint.bench.chat;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

import org.springframework.context.Lifecycle;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.WebSocketClient;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.SessionLimitExceededException;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;

/**
 * A {@link WebSocketClient} whose sessions take writes from any number of threads, one at
 * a time. Spring's STOMP client writes heart-beats from its scheduler while the generator
 * writes SENDs from its own thread, and a WebSocket endpoint refuses a write that starts
 * while another is in progress: a refused SEND loses a message, a refused heart-beat
 * makes Spring drop the connection. Every session is wrapped in Spring's
 * {@link ConcurrentWebSocketSessionDecorator} (the decorator the server side uses for the
 * same reason): a write that finds another in progress is queued and written, in order,
 * by the thread already writing. Starting and stopping pass through to a client that has
 * a lifecycle (a {@code SockJsClient}), as {@code WebSocketStompClient} starts its own.
 */
final class SerializedWrites implements WebSocketClient, Lifecycle {

	/** How long one write may block before the session is closed. */
	private static final int SEND_TIME_LIMIT_MS = 10_000;

	/** How many bytes may wait behind a blocked write before the session is closed. */
	private static final int BUFFER_SIZE_LIMIT = 1024 * 1024;

	private final WebSocketClient delegate;

	SerializedWrites(WebSocketClient delegate) {
		this.delegate = delegate;
	}

	@Override
	public void start() {
		if (this.delegate instanceof Lifecycle lifecycle) {
			lifecycle.start();
		}
	}

	@Override
	public void stop() {
		if (this.delegate instanceof Lifecycle lifecycle) {
			lifecycle.stop();
		}
	}

	/** A client without a lifecycle is always running. */
	@Override
	public boolean isRunning() {
		return !(this.delegate instanceof Lifecycle lifecycle) || lifecycle.isRunning();
	}

	@Override
	public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, String uriTemplate,
			Object... uriVariables) {
		return this.delegate.execute(new Serializing(handler), uriTemplate, uriVariables);
	}

	@Override
	public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, WebSocketHttpHeaders headers,
			URI uri) {
		return this.delegate.execute(new Serializing(handler), headers, uri);
	}

	/**
	 * Spring's decorator, closing the session once a write blocks past its time limit or
	 * too much waits behind it. Spring's own decorator then drops every later frame
	 * without a word (its server side closes the session for it); here the session is
	 * closed, so the STOMP client sees the connection end, and every later write throws:
	 * a send is reported as failed, never counted as sent and silently dropped.
	 */
	static final class Serialized extends ConcurrentWebSocketSessionDecorator {

		private volatile SessionLimitExceededException exceeded;

		Serialized(WebSocketSession session, int sendTimeLimitMs, int bufferSizeLimit) {
			super(session, sendTimeLimitMs, bufferSizeLimit);
		}

		@Override
		public void sendMessage(WebSocketMessage<?> message) throws IOException {
			SessionLimitExceededException earlier = this.exceeded;
			if (earlier != null) {
				throw new IllegalStateException("session closed: " + earlier.getMessage());
			}
			try {
				super.sendMessage(message);
			}
			catch (SessionLimitExceededException ex) {
				this.exceeded = ex;
				try {
					close(ex.getStatus());
				}
				catch (IOException closing) {
					ex.addSuppressed(closing);
				}
				throw ex;
			}
		}

	}

	/** Hands the handler the serialized session in every callback. */
	private static final class Serializing extends WebSocketHandlerDecorator {

		private volatile WebSocketSession serialized;

		Serializing(WebSocketHandler handler) {
			super(handler);
		}

		@Override
		public void afterConnectionEstablished(WebSocketSession session) throws Exception {
			this.serialized = new Serialized(session, SEND_TIME_LIMIT_MS, BUFFER_SIZE_LIMIT);
			super.afterConnectionEstablished(this.serialized);
		}

		@Override
		public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) throws Exception {
			super.handleMessage(of(session), message);
		}

		@Override
		public void handleTransportError(WebSocketSession session, Throwable exception) throws Exception {
			super.handleTransportError(of(session), exception);
		}

		@Override
		public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) throws Exception {
			super.afterConnectionClosed(of(session), closeStatus);
		}

		private WebSocketSession of(WebSocketSession session) {
			WebSocketSession current = this.serialized;
			return (current != null) ? current : session;
		}

	}

}
