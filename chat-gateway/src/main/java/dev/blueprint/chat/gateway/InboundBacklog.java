package dev.blueprint.chat.gateway;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>
 * The gateway as a whole holds at most {@code gateway.max-inbound-bytes} of frames
 * waiting (their bodies and headers), whatever the number of sessions: the bound per
 * session times many sessions could still exhaust the heap. Above it, a session stops
 * being read after its next message if it holds more than its fair share of the budget
 * (the budget divided by the sessions with frames waiting): the sessions that filled it
 * are slowed, while a session sending now and then (a frame or two waiting) is read as
 * before, and a session with none waiting adds nothing. If the budget is exceeded, at
 * least one session holds more than its share, so the bound holds (give or take one
 * message per session). Every suspended session is read again once half the budget is
 * left (and its own backlog allows). A session over its share that cannot be suspended is
 * closed with 1013 (try again later). Counted in
 * {@code blueprint.chat.gateway.inbound.suspensions{limit=gateway}} and
 * {@code blueprint.chat.gateway.sessions.terminated{reason=inbound-bytes}}; the bytes
 * waiting are the gauge {@code blueprint.chat.gateway.inbound.bytes}.
 */
final class InboundBacklog implements ChannelInterceptor {

	static final String COUNTED_HEADER = "blueprintInboundCounted";

	private static final Logger logger = LoggerFactory.getLogger(InboundBacklog.class);

	private final int limit;

	private final int resumeAt;

	private final long maxBytes;

	private final long resumeAtBytes;

	private final Counter suspensions;

	private final Counter gatewaySuspensions;

	private final Counter closed;

	private final Counter closedForBytes;

	/** Bytes of the frames of every session received and not yet handed on. */
	private final AtomicLong waitingBytes = new AtomicLong();

	private final AtomicLong highWaterBytes = new AtomicLong();

	/**
	 * Sessions with at least one frame waiting: the budget's fair share divides by it.
	 */
	private final AtomicInteger sessionsWaiting = new AtomicInteger();

	/**
	 * Whether sessions were suspended for the gateway's budget and are not yet read again
	 * (set when the budget is exceeded, cleared once half of it is left).
	 */
	private final AtomicBoolean overBudget = new AtomicBoolean();

	private final Map<String, Backlog> backlogs = new ConcurrentHashMap<>();

	/** The backlog of the session whose message this thread is handing to STOMP. */
	private final ThreadLocal<Backlog> receiving = new ThreadLocal<>();

	private final AtomicInteger highWater = new AtomicInteger();

	/**
	 * @param limit most frames of one session waiting
	 * @param maxBytes most bytes of frames waiting in the whole gateway
	 * @param suspensions counts suspensions for a session's backlog
	 * @param gatewaySuspensions counts suspensions for the gateway's budget
	 * @param closed counts sessions closed for their backlog
	 * @param closedForBytes counts sessions closed for the gateway's budget
	 */
	InboundBacklog(int limit, long maxBytes, Counter suspensions, Counter gatewaySuspensions, Counter closed,
			Counter closedForBytes) {
		this.limit = limit;
		this.resumeAt = limit / 2;
		this.maxBytes = maxBytes;
		this.resumeAtBytes = maxBytes / 2;
		this.suspensions = suspensions;
		this.gatewaySuspensions = gatewaySuspensions;
		this.closed = closed;
		this.closedForBytes = closedForBytes;
	}

	/** Bytes of every session's frames received and not yet handed on. */
	long waitingBytes() {
		return this.waitingBytes.get();
	}

	/** The most bytes waiting in the gateway after a message was read. */
	long highWaterBytes() {
		return this.highWaterBytes.get();
	}

	/** Sessions with at least one frame waiting. */
	int sessionsWaiting() {
		return this.sessionsWaiting.get();
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
							int bytes = sizeOf(message.getPayload(), accessor);
							accessor.setHeader(COUNTED_HEADER, bytes);
							backlog.received(bytes);
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
					forget(session.getId(), backlog);
					return;
				}
				backlog.readAgain();
				int waiting = backlog.waiting.get();
				InboundBacklog.this.highWater.accumulateAndGet(waiting, Math::max);
				long bytes = InboundBacklog.this.waitingBytes.get();
				InboundBacklog.this.highWaterBytes.accumulateAndGet(bytes, Math::max);
				if (waiting > InboundBacklog.this.limit) {
					over(session, backlog, waiting);
				}
				else if (bytes > InboundBacklog.this.maxBytes && waiting > 0 && aboveFairShare(backlog.bytes(),
						InboundBacklog.this.maxBytes, InboundBacklog.this.sessionsWaiting.get())) {
					overBudget(session, backlog, bytes);
				}
			}

			@Override
			public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) throws Exception {
				Backlog backlog = InboundBacklog.this.backlogs.get(session.getId());
				if (backlog != null) {
					forget(session.getId(), backlog);
				}
				super.afterConnectionClosed(session, closeStatus);
			}

		};
	}

	private void over(WebSocketSession session, Backlog backlog, int waiting) throws Exception {
		if (backlog.connection != null) {
			backlog.suspend(this.suspensions);
			return;
		}
		this.closed.increment();
		logger.warn(
				"Closing session {} of {}: {} frames waiting to be handled, over gateway.max-inbound-backlog "
						+ "({}), and its transport cannot stop reading",
				session.getId(), session.getPrincipal(), waiting, this.limit);
		session.close(CloseStatus.POLICY_VIOLATION
			.withReason("over " + this.limit + " frames waiting (gateway.max-inbound-backlog)"));
		forget(session.getId(), backlog);
	}

	private void overBudget(WebSocketSession session, Backlog backlog, long bytes) throws Exception {
		this.overBudget.set(true);
		if (backlog.connection != null) {
			backlog.suspend(this.gatewaySuspensions);
			// drained below half meanwhile, by frames whose hand-off found no pause to
			// end
			resumeIfUnderBudget();
			return;
		}
		this.closedForBytes.increment();
		logger.warn(
				"Closing session {} of {}: the gateway holds {} bytes of frames waiting to be handled, over "
						+ "gateway.max-inbound-bytes ({}), and its transport cannot stop reading",
				session.getId(), session.getPrincipal(), bytes, this.maxBytes);
		session.close(CloseStatus.SERVICE_OVERLOAD.withReason("gateway busy: try again later"));
		forget(session.getId(), backlog);
	}

	/**
	 * Drops a session's entry, and its frames still counted from the gateway's bytes:
	 * frames of a closed session that reach the channel later find no entry and are not
	 * taken off again.
	 */
	private void forget(String sessionId, Backlog backlog) {
		this.backlogs.remove(sessionId, backlog);
		long left = backlog.close();
		if (left > 0) {
			left(left);
		}
	}

	/**
	 * Bytes handed on (or dropped with their session); reads the paused sessions again.
	 */
	private void left(long bytes) {
		this.waitingBytes.addAndGet(-bytes);
		resumeIfUnderBudget();
	}

	private void resumeIfUnderBudget() {
		if (this.overBudget.get() && this.waitingBytes.get() <= this.resumeAtBytes
				&& this.overBudget.compareAndSet(true, false)) {
			for (Backlog paused : this.backlogs.values()) {
				if (paused.suspended) {
					paused.resumeIfDrained();
				}
			}
		}
	}

	/**
	 * Whether a session holding {@code sessionBytes} of frames waiting holds more than
	 * its share of {@code maxBytes}, shared by {@code sessionsWaiting} sessions with
	 * frames waiting (at least this one).
	 */
	static boolean aboveFairShare(long sessionBytes, long maxBytes, int sessionsWaiting) {
		return sessionBytes > maxBytes / Math.max(1, sessionsWaiting);
	}

	/**
	 * The bytes a decoded frame holds, near enough: its body and its headers' names and
	 * values (a char counted as a byte).
	 */
	private static int sizeOf(byte[] payload, StompHeaderAccessor accessor) {
		long size = payload.length;
		Map<String, List<String>> headers = accessor.toNativeHeaderMap();
		for (Map.Entry<String, List<String>> header : headers.entrySet()) {
			for (String value : header.getValue()) {
				size += header.getKey().length() + ((value != null) ? value.length() : 0) + 2;
			}
		}
		return (int) Math.min(Integer.MAX_VALUE, size + 16);
	}

	/**
	 * A counted frame leaves the session's queue; the session's connection is read again
	 * once half the limit is left. The first interceptor of the inbound channel: one
	 * before it that refused the frame would leave it counted.
	 */
	@Override
	public Message<?> preSend(Message<?> message, MessageChannel channel) {
		if (message.getHeaders().get(COUNTED_HEADER) instanceof Integer bytes) {
			String sessionId = SimpMessageHeaderAccessor.getSessionId(message.getHeaders());
			Backlog backlog = (sessionId != null) ? this.backlogs.get(sessionId) : null;
			if (backlog != null && backlog.handedOn(bytes)) {
				left(bytes);
				if (backlog.waiting.get() <= this.resumeAt && backlog.suspended) {
					backlog.resumeIfDrained();
				}
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

		/** Bytes of the frames waiting; guarded by this object's lock. */
		private long bytes;

		/** Forgotten: its frames no longer count. Guarded by this object's lock. */
		private boolean closed;

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

		/** A frame of this session was decoded. */
		synchronized void received(int frameBytes) {
			if (!this.closed) {
				if (this.waiting.incrementAndGet() == 1) {
					InboundBacklog.this.sessionsWaiting.incrementAndGet();
				}
				this.bytes += frameBytes;
				InboundBacklog.this.waitingBytes.addAndGet(frameBytes);
			}
		}

		/**
		 * A frame of this session was handed on; false if the session was forgotten
		 * meanwhile (its bytes were taken off then).
		 */
		synchronized boolean handedOn(int frameBytes) {
			if (this.closed) {
				return false;
			}
			if (this.waiting.decrementAndGet() == 0) {
				InboundBacklog.this.sessionsWaiting.decrementAndGet();
			}
			this.bytes -= frameBytes;
			return true;
		}

		/** Bytes of this session's frames waiting. */
		synchronized long bytes() {
			return this.bytes;
		}

		/** Forgets the session; returns the bytes it still had waiting. */
		synchronized long close() {
			if (!this.closed && this.waiting.get() > 0) {
				InboundBacklog.this.sessionsWaiting.decrementAndGet();
			}
			this.closed = true;
			long left = this.bytes;
			this.bytes = 0;
			return left;
		}

		/**
		 * Stops reading; reads again at once if the queue drained meanwhile (a frame
		 * handed on before {@link #suspended} was set did not resume it). Under the lock,
		 * so that a resume never comes before the suspension it undoes.
		 */
		synchronized void suspend(Counter counter) {
			if (!this.suspended) {
				if (this.idleTimeout == null) {
					this.idleTimeout = this.connection.getUserProperties().remove(SessionTimeouts.READ_IDLE_TIMEOUT_MS);
				}
				this.connection.suspend();
				this.suspended = true;
				counter.increment();
				logger.debug("Suspended reading session {}: {} frames waiting", this.sessionId, this.waiting.get());
			}
			resumeIfDrained();
		}

		synchronized void resumeIfDrained() {
			if (this.suspended && this.waiting.get() <= InboundBacklog.this.resumeAt
					&& !InboundBacklog.this.overBudget.get()) {
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
