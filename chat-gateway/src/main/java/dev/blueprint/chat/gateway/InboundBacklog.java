package dev.blueprint.chat.gateway;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import org.apache.tomcat.websocket.WsSession;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.stomp.StompDecoder;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.messaging.support.MessageHeaderInitializer;
import org.springframework.util.MultiValueMap;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.handler.WebSocketSessionDecorator;
import org.springframework.web.socket.messaging.StompSubProtocolHandler;
import org.springframework.web.socket.messaging.SubProtocolHandler;
import org.springframework.web.socket.messaging.SubProtocolWebSocketHandler;

/**
 * Bounds the frames of one session that were received but not yet handled
 * ({@code gateway.max-inbound-backlog}). A session's frames are handled one at a time, in
 * the order they came ({@code setPreserveReceiveOrder}), and Spring queues the rest
 * without a bound: a client that sent faster than its frames were handled (each SEND
 * waits on a Redis round trip for its rate limit) grew the heap by up to
 * {@code gateway.max-frame-size} a frame until the gateway ran out of memory.
 * <p>
 * Above the limit the gateway stops reading the client's connection (Tomcat's
 * {@code WsSession.suspend()}, as Spring WebFlux does for back-pressure), and reads again
 * once half of it is left: TCP's flow control then slows the client, and nothing it sent
 * is lost or refused. A session that cannot be suspended (SockJS's HTTP transports, where
 * each request brings frames) is closed instead (1008, policy violation). Counted in
 * {@code blueprint.chat.gateway.inbound.suspensions} and
 * {@code blueprint.chat.gateway.sessions.terminated{reason=inbound-backlog}}.
 * <p>
 * Spring does not expose the queue, so the frames are counted on both sides of it:
 * <ul>
 * <li>in: by the STOMP decoder ({@link #install}), on the container's thread that read
 * them, while {@link #decorate this handler decorator} tells it which session they are
 * of; each counted frame is marked with a header;</li>
 * <li>out: when the queue hands a marked frame to the inbound channel, whose first
 * interceptor this is ({@link #preSend}).</li>
 * </ul>
 * The count is checked after each WebSocket message, so a session may have up to one
 * message's frames (at most {@code gateway.max-frame-size} of them) above the limit.
 */
final class InboundBacklog implements ChannelInterceptor {

	static final String COUNTED_HEADER = "blueprintInboundCounted";

	private static final Logger logger = LoggerFactory.getLogger(InboundBacklog.class);

	private final int limit;

	private final int resumeAt;

	private final Counter suspensions;

	private final Counter closed;

	private final Map<String, Backlog> backlogs = new ConcurrentHashMap<>();

	/** The backlog of the session whose message this thread is handing to STOMP. */
	private final ThreadLocal<Backlog> receiving = new ThreadLocal<>();

	private final AtomicInteger highWater = new AtomicInteger();

	InboundBacklog(int limit, Counter suspensions, Counter closed) {
		this.limit = limit;
		this.resumeAt = limit / 2;
		this.suspensions = suspensions;
		this.closed = closed;
	}

	/** Sessions with a backlog entry: open sessions that have sent something. */
	int sessions() {
		return this.backlogs.size();
	}

	/** Frames of every session received and not yet handed on. */
	int waiting() {
		return this.backlogs.values().stream().mapToInt((backlog) -> backlog.waiting.get()).sum();
	}

	/** The most frames one session had waiting after a message of it was read. */
	int highWater() {
		return this.highWater.get();
	}

	/**
	 * Makes Spring's STOMP handler decode with a decoder that counts what it decodes for
	 * the session being read.
	 * @throws IllegalStateException if {@code handler} holds no STOMP handler (a Spring
	 * version that wires it otherwise): starting without the bound would hide that
	 */
	void install(WebSocketHandler handler) {
		boolean installed = false;
		if (WebSocketHandlerDecorator.unwrap(handler) instanceof SubProtocolWebSocketHandler protocols) {
			for (SubProtocolHandler protocol : protocols.getProtocolHandlers()) {
				if (protocol instanceof StompSubProtocolHandler stomp) {
					stomp.setDecoder(decoder(stomp.getHeaderInitializer()));
					installed = true;
				}
			}
		}
		if (!installed) {
			throw new IllegalStateException("No STOMP handler in " + handler
					+ " to count inbound frames with: gateway.max-inbound-backlog cannot be enforced");
		}
	}

	private StompDecoder decoder(@Nullable MessageHeaderInitializer headerInitializer) {
		StompDecoder counting = new StompDecoder() {

			@Override
			public List<Message<byte[]>> decode(ByteBuffer buffer,
					@Nullable MultiValueMap<String, String> partialMessageHeaders) {
				List<Message<byte[]>> messages = super.decode(buffer, partialMessageHeaders);
				Backlog backlog = InboundBacklog.this.receiving.get();
				if (backlog != null) {
					for (Message<byte[]> message : messages) {
						StompHeaderAccessor accessor = MessageHeaderAccessor.getAccessor(message,
								StompHeaderAccessor.class);
						if (accessor != null && accessor.isMutable()) {
							accessor.setHeader(COUNTED_HEADER, Boolean.TRUE);
							backlog.waiting.incrementAndGet();
						}
					}
				}
				return messages;
			}

		};
		counting.setHeaderInitializer(headerInitializer);
		return counting;
	}

	/** The decorator that tells the decoder whose frames it decodes, and bounds them. */
	WebSocketHandler decorate(WebSocketHandler handler) {
		return new WebSocketHandlerDecorator(handler) {

			@Override
			public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) throws Exception {
				if (!session.isOpen()) {
					// The rest of a message read before the close (Spring drops it): an
					// entry made now would outlive the session.
					super.handleMessage(session, message);
					return;
				}
				Backlog backlog = InboundBacklog.this.backlogs.computeIfAbsent(session.getId(),
						(id) -> new Backlog(session));
				InboundBacklog.this.receiving.set(backlog);
				try {
					super.handleMessage(session, message);
				}
				finally {
					InboundBacklog.this.receiving.remove();
				}
				if (!session.isOpen()) {
					// Closed meanwhile, perhaps before the entry was made.
					InboundBacklog.this.backlogs.remove(session.getId(), backlog);
					return;
				}
				backlog.readAgain();
				int waiting = backlog.waiting.get();
				InboundBacklog.this.highWater.accumulateAndGet(waiting, Math::max);
				if (waiting > InboundBacklog.this.limit) {
					over(session, backlog, waiting);
				}
			}

			@Override
			public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) throws Exception {
				InboundBacklog.this.backlogs.remove(session.getId());
				super.afterConnectionClosed(session, closeStatus);
			}

		};
	}

	private void over(WebSocketSession session, Backlog backlog, int waiting) throws Exception {
		if (backlog.connection != null) {
			backlog.suspend();
			return;
		}
		this.closed.increment();
		logger.warn(
				"Closing session {} of {}: {} frames waiting to be handled, over gateway.max-inbound-backlog "
						+ "({}), and its transport cannot stop reading",
				session.getId(), session.getPrincipal(), waiting, this.limit);
		session.close(CloseStatus.POLICY_VIOLATION
			.withReason("over " + this.limit + " frames waiting (gateway.max-inbound-backlog)"));
		this.backlogs.remove(session.getId(), backlog);
	}

	/**
	 * A counted frame leaves the session's queue; the session's connection is read again
	 * once half the limit is left. The first interceptor of the inbound channel: one
	 * before it that refused the frame would leave it counted.
	 */
	@Override
	public Message<?> preSend(Message<?> message, MessageChannel channel) {
		if (message.getHeaders().containsKey(COUNTED_HEADER)) {
			String sessionId = SimpMessageHeaderAccessor.getSessionId(message.getHeaders());
			Backlog backlog = (sessionId != null) ? this.backlogs.get(sessionId) : null;
			if (backlog != null && backlog.waiting.decrementAndGet() <= this.resumeAt && backlog.suspended) {
				backlog.resumeIfDrained();
			}
		}
		return message;
	}

	/** The container's connection of {@code session}, if it can stop reading it. */
	private static @Nullable WsSession connectionOf(WebSocketSession session) {
		WebSocketSession unwrapped = WebSocketSessionDecorator.unwrap(session);
		if (unwrapped instanceof NativeWebSocketSession container
				&& container.getNativeSession(jakarta.websocket.Session.class) instanceof WsSession connection) {
			return connection;
		}
		return null;
	}

	/** One session's frames waiting, and whether its connection is being read. */
	private final class Backlog {

		final AtomicInteger waiting = new AtomicInteger();

		final @Nullable WsSession connection;

		final String sessionId;

		/** Written under this object's lock, read without it by {@link #preSend}. */
		volatile boolean suspended;

		/**
		 * The session's read idle timeout, set aside while it is not read: Tomcat counts
		 * idleness from the last frame it read, and would close a client whose frames
		 * wait in its socket as silent ({@code gateway.client-silence-timeout}).
		 */
		private @Nullable Object idleTimeout;

		Backlog(WebSocketSession session) {
			this.connection = connectionOf(session);
			this.sessionId = session.getId();
		}

		/**
		 * Stops reading; reads again at once if the queue drained meanwhile (a frame
		 * handed on before {@link #suspended} was set did not resume it). Under the lock,
		 * so that a resume never comes before the suspension it undoes.
		 */
		synchronized void suspend() {
			if (!this.suspended) {
				if (this.idleTimeout == null) {
					this.idleTimeout = this.connection.getUserProperties().remove(SessionTimeouts.READ_IDLE_TIMEOUT_MS);
				}
				this.connection.suspend();
				this.suspended = true;
				InboundBacklog.this.suspensions.increment();
				logger.debug("Suspended reading session {}: {} frames waiting", this.sessionId, this.waiting.get());
			}
			resumeIfDrained();
		}

		synchronized void resumeIfDrained() {
			if (this.suspended && this.waiting.get() <= InboundBacklog.this.resumeAt) {
				this.suspended = false;
				this.connection.resume();
			}
		}

		/**
		 * A message was read: if the connection was suspended before, its idle timeout
		 * applies again (only now, once Tomcat has read from it: restored at the resume,
		 * its next check could find the last read from before the suspension).
		 */
		synchronized void readAgain() {
			if (!this.suspended && this.idleTimeout != null) {
				this.connection.getUserProperties().put(SessionTimeouts.READ_IDLE_TIMEOUT_MS, this.idleTimeout);
				this.idleTimeout = null;
			}
		}

	}

}
