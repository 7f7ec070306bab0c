package dev.blueprint.chat.gateway.stomp;

import java.security.Principal;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.blueprint.chat.contracts.ChatErrorCodes;
import dev.blueprint.chat.gateway.session.ClosedSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Authenticates STOMP sessions and keeps clients on their own destinations.
 * <ul>
 * <li>CONNECT (or STOMP, its STOMP 1.2 spelling) needs a valid JWT: the
 * {@code Authorization: Bearer} header of the frame, or an {@code access_token} query
 * parameter of the handshake (browsers cannot set headers on a WebSocket). Missing,
 * expired or tampered: the CONNECT is refused with an ERROR frame and the connection
 * closes. So is a session whose id is not a plain token ({@link #SESSION_ID}): SockJS
 * takes the session id from the client's URL, and a subscription's queue is named after
 * it ({@code /queue/messages-user<id>}), where the broker reads {@code *} or {@code ?} as
 * a pattern matching other sessions' queues.</li>
 * <li>Any other frame before an accepted CONNECT is refused the same way. Spring refuses
 * one from a session that sent no CONNECT at all; this covers the frames that come after
 * a refused CONNECT, before the connection closes (in the same WebSocket message,
 * say).</li>
 * <li>SUBSCRIBE is allowed to the user's own queues ({@link #QUEUES}) only, once each per
 * session: a session cannot listen to another session's resolved queue or a broadcast
 * topic, nor pile up subscriptions (each one is a broker entry, and a copy of every
 * frame). Any other SUBSCRIBE is dropped with a {@code forbidden-destination} error; the
 * session stays.</li>
 * <li>SEND is allowed to the controllers' destinations ({@code /app/...}) only: a SEND to
 * {@code /user/...}, {@code /queue/...} or {@code /topic/...} would go to the broker,
 * which would hand it to another user's sessions as if the gateway had sent it. Dropped
 * with an {@code unknown-destination} error; the session stays.</li>
 * </ul>
 */
public class StompAuthentication implements ChannelInterceptor, HandshakeInterceptor {

	private static final Logger logger = LoggerFactory.getLogger(StompAuthentication.class);

	static final String TOKEN_ATTRIBUTE = "blueprint.access_token";

	/** The destinations a client may subscribe to (docs/chat-protocol.md). */
	public static final java.util.Set<String> QUEUES = java.util.Set.of("/user/queue/messages", "/user/queue/acks",
			"/user/queue/errors", "/user/queue/presence", "/user/queue/typing", "/user/queue/receipts");

	/**
	 * What a session id may be: letters, digits, {@code -} and {@code _}, 8 to 64 of them
	 * (sockjs-client makes 8 random characters, Spring's SockJS client and the WebSocket
	 * sessions of {@code /ws} a UUID).
	 */
	static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9_-]{8,64}");

	/** Where a client may SEND: the controllers ({@code @MessageMapping}). */
	static final String APPLICATION_PREFIX = "/app/";

	private final JwtDecoder jwtDecoder;

	private final ObjectProvider<ClientFrames> frames;

	/**
	 * Each open session's subscriptions, id → destination: at most one per queue. A
	 * session's frames pass here one at a time; its DISCONNECT removes them. When the
	 * connection drops, Spring sends that DISCONNECT past the session's queue of frames,
	 * so a SUBSCRIBE still queued may come after it: one that finds its session closed
	 * ({@link ClosedSessions}, recorded before the DISCONNECT is sent) keeps nothing.
	 */
	private final Map<String, Map<String, String>> subscriptions = new ConcurrentHashMap<>();

	private final ClosedSessions closedSessions;

	private final Supplier<MessageChannel> outbound;

	private final int maxSessionsPerUser;

	/**
	 * Each user's open sessions on this gateway (changed only inside {@code compute}),
	 * and whose each session is: one token could otherwise open sessions until the
	 * gateway's heap or file descriptors ran out.
	 */
	private final Map<String, Set<String>> sessionsByUser = new ConcurrentHashMap<>();

	private final Map<String, String> userOfSession = new ConcurrentHashMap<>();

	/**
	 * @param outbound Spring's channel of frames to clients
	 * ({@code clientOutboundChannel}), looked up when a frame is refused
	 * @param maxSessionsPerUser most open sessions of one user on this gateway
	 * ({@code gateway.max-sessions-per-user}); a CONNECT beyond it is refused
	 */
	public StompAuthentication(JwtDecoder jwtDecoder, ObjectProvider<ClientFrames> frames,
			Supplier<MessageChannel> outbound, ClosedSessions closedSessions, int maxSessionsPerUser) {
		this.jwtDecoder = jwtDecoder;
		this.frames = frames;
		this.outbound = outbound;
		this.closedSessions = closedSessions;
		this.maxSessionsPerUser = maxSessionsPerUser;
	}

	@Override
	public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
			Map<String, Object> attributes) {
		String token = UriComponentsBuilder.fromUri(request.getURI()).build().getQueryParams().getFirst("access_token");
		if (token != null) {
			attributes.put(TOKEN_ATTRIBUTE, token);
		}
		return true;
	}

	@Override
	public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
			Exception exception) {
	}

	@Override
	public Message<?> preSend(Message<?> message, MessageChannel channel) {
		StompHeaderAccessor accessor = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
		if (accessor == null || accessor.getCommand() == null) {
			return message;
		}
		StompCommand command = accessor.getCommand();
		if (command == StompCommand.CONNECT || command == StompCommand.STOMP) {
			return connect(accessor, message);
		}
		if (command == StompCommand.DISCONNECT) {
			if (accessor.getSessionId() != null) {
				this.subscriptions.remove(accessor.getSessionId());
				release(accessor.getSessionId());
			}
			return message;
		}
		Principal user = accessor.getUser();
		if (user == null) {
			return refuse(accessor, command + " refused: CONNECT with a token first");
		}
		String destination = accessor.getDestination();
		if (command == StompCommand.SUBSCRIBE) {
			if (this.closedSessions.isClosed(accessor.getSessionId())) {
				return null;
			}
			String refusal = subscribe(accessor.getSessionId(), accessor.getSubscriptionId(), destination);
			if (refusal != null) {
				this.frames.getObject()
					.error(user.getName(), accessor.getSessionId(), ChatErrorCodes.FORBIDDEN_DESTINATION, refusal,
							null);
				return null;
			}
		}
		else if (command == StompCommand.SEND && (destination == null || !destination.startsWith(APPLICATION_PREFIX))) {
			this.frames.getObject()
				.error(user.getName(), accessor.getSessionId(), ChatErrorCodes.UNKNOWN_DESTINATION,
						"No such destination: " + destination + " (clients send to " + APPLICATION_PREFIX + "...)",
						null);
			return null;
		}
		else if (command == StompCommand.UNSUBSCRIBE) {
			unsubscribe(accessor.getSessionId(), accessor.getSubscriptionId());
		}
		return message;
	}

	/** A CONNECT: the frame with its user, or refused. */
	private Message<?> connect(StompHeaderAccessor accessor, Message<?> message) {
		String sessionId = accessor.getSessionId();
		if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) {
			return refuse(accessor, "CONNECT refused: the session id must be 8 to 64 letters, digits, '-' or '_' "
					+ "(SockJS takes it from the URL)");
		}
		ChatUser user;
		try {
			user = authenticate(accessor);
		}
		catch (Refused ex) {
			return refuse(accessor, ex.getMessage());
		}
		if (!admit(user.getName(), sessionId)) {
			return refuse(accessor, "CONNECT refused: " + this.maxSessionsPerUser
					+ " sessions of this user are open on this gateway (gateway.max-sessions-per-user)");
		}
		accessor.setUser(user);
		return message;
	}

	/** Counts the session against its user's, unless they have the most already. */
	private boolean admit(String user, String sessionId) {
		boolean[] admitted = new boolean[1];
		this.sessionsByUser.compute(user, (name, sessions) -> {
			Set<String> open = (sessions != null) ? sessions : new HashSet<>();
			if (open.contains(sessionId) || open.size() < this.maxSessionsPerUser) {
				open.add(sessionId);
				admitted[0] = true;
			}
			return open.isEmpty() ? null : open;
		});
		if (admitted[0]) {
			this.userOfSession.put(sessionId, user);
			if (this.closedSessions.isClosed(sessionId)) {
				// closed meanwhile: its DISCONNECT may have come before this was counted
				release(sessionId);
			}
		}
		return admitted[0];
	}

	private void release(String sessionId) {
		String user = this.userOfSession.remove(sessionId);
		if (user != null) {
			this.sessionsByUser.computeIfPresent(user, (name, open) -> {
				open.remove(sessionId);
				return open.isEmpty() ? null : open;
			});
		}
	}

	/** Open sessions of {@code user} on this gateway, as counted for the limit. */
	public int sessionsOf(String user) {
		Set<String> open = this.sessionsByUser.get(user);
		return (open != null) ? open.size() : 0;
	}

	private void unsubscribe(String sessionId, String subscriptionId) {
		Map<String, String> session = (sessionId != null) ? this.subscriptions.get(sessionId) : null;
		if (session != null && subscriptionId != null) {
			session.remove(subscriptionId);
		}
	}

	/** Records a SUBSCRIBE, or says why it is refused. */
	private String subscribe(String sessionId, String subscriptionId, String destination) {
		if (destination == null || !QUEUES.contains(destination)) {
			return "Subscriptions are limited to the user's own queues " + QUEUES + ", not " + destination;
		}
		if (sessionId == null || subscriptionId == null) {
			return "A SUBSCRIBE needs an id";
		}
		Map<String, String> session = this.subscriptions.computeIfAbsent(sessionId,
				(id) -> Collections.synchronizedMap(new HashMap<>()));
		if (session.containsKey(subscriptionId)) {
			return "Subscription id " + subscriptionId + " is in use in this session";
		}
		if (session.containsValue(destination)) {
			return "Already subscribed to " + destination + " in this session: one subscription per queue";
		}
		session.put(subscriptionId, destination);
		if (this.closedSessions.isClosed(sessionId)) {
			// closed meanwhile: its DISCONNECT may have come before this was kept
			this.subscriptions.remove(sessionId);
		}
		return null;
	}

	/** Open sessions with subscriptions (nothing is kept for a closed session). */
	public int subscribedSessions() {
		return this.subscriptions.size();
	}

	private ChatUser authenticate(StompHeaderAccessor accessor) {
		String token = null;
		String authorization = accessor.getFirstNativeHeader("Authorization");
		if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			token = authorization.substring(7).trim();
		}
		else if (accessor.getSessionAttributes() != null) {
			token = (String) accessor.getSessionAttributes().get(TOKEN_ATTRIBUTE);
		}
		if (token == null || token.isEmpty()) {
			throw new Refused(
					"CONNECT refused: no bearer token (Authorization header or " + "access_token query parameter)");
		}
		try {
			Jwt jwt = this.jwtDecoder.decode(token);
			if (jwt.getSubject() == null || jwt.getSubject().isBlank()) {
				throw new Refused("CONNECT refused: the token has no subject");
			}
			return new ChatUser(jwt.getSubject(), token);
		}
		catch (JwtException ex) {
			throw new Refused("CONNECT refused: invalid token (" + ex.getMessage() + ")");
		}
	}

	/**
	 * Answers the frame with a STOMP ERROR frame, after which Spring closes the
	 * connection, and drops it. Sent here rather than thrown: with the session's frames
	 * handled in order ({@code setPreserveReceiveOrder}), Spring's ordering channel logs
	 * an exception thrown here and swallows it, so the client would get neither the ERROR
	 * frame nor the close, and wait.
	 */
	private Message<?> refuse(StompHeaderAccessor frame, String reason) {
		logger.info("Session {} refused: {}", frame.getSessionId(), reason);
		StompHeaderAccessor error = StompHeaderAccessor.create(StompCommand.ERROR);
		error.setSessionId(frame.getSessionId());
		error.setMessage(reason);
		error.setLeaveMutable(true);
		this.outbound.get().send(MessageBuilder.createMessage(new byte[0], error.getMessageHeaders()));
		return null;
	}

	/** A CONNECT refused: the reason goes to the client. */
	private static final class Refused extends RuntimeException {

		Refused(String reason) {
			super(reason, null, false, false);
		}

	}

}
