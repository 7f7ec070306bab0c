package dev.blueprint.chat.gateway.stomp;

import java.security.Principal;
import java.util.Map;

import dev.blueprint.chat.contracts.ChatErrorCodes;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageDeliveryException;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
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
 * <li>CONNECT needs a valid JWT: the {@code Authorization: Bearer} header of the frame,
 * or an {@code access_token} query parameter of the handshake (browsers cannot set
 * headers on a WebSocket). Missing, expired or tampered: the CONNECT is refused with an
 * ERROR frame and the connection closes.</li>
 * <li>SUBSCRIBE is allowed to the user's own queues ({@link #QUEUES}) only: a session
 * cannot listen to another session's resolved queue or a broadcast topic. Any other
 * SUBSCRIBE is dropped with a {@code forbidden-destination} error; the session
 * stays.</li>
 * </ul>
 */
public class StompAuthentication implements ChannelInterceptor, HandshakeInterceptor {

	static final String TOKEN_ATTRIBUTE = "blueprint.access_token";

	/** The destinations a client may subscribe to (docs/chat-protocol.md). */
	public static final java.util.Set<String> QUEUES = java.util.Set.of("/user/queue/messages", "/user/queue/acks",
			"/user/queue/errors", "/user/queue/presence", "/user/queue/typing", "/user/queue/receipts");

	private final JwtDecoder jwtDecoder;

	private final ObjectProvider<ClientFrames> frames;

	public StompAuthentication(JwtDecoder jwtDecoder, ObjectProvider<ClientFrames> frames) {
		this.jwtDecoder = jwtDecoder;
		this.frames = frames;
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
		if (accessor.getCommand() == StompCommand.CONNECT) {
			accessor.setUser(authenticate(accessor));
		}
		else if (accessor.getCommand() == StompCommand.SUBSCRIBE) {
			String destination = accessor.getDestination();
			if (destination == null || !QUEUES.contains(destination)) {
				Principal user = accessor.getUser();
				if (user != null) {
					this.frames.getObject()
						.error(user.getName(), accessor.getSessionId(), ChatErrorCodes.FORBIDDEN_DESTINATION,
								"Subscriptions are limited to the user's own queues " + QUEUES + ", not " + destination,
								null);
				}
				return null;
			}
		}
		return message;
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
			throw new MessageDeliveryException(
					"CONNECT refused: no bearer token (Authorization header or " + "access_token query parameter)");
		}
		try {
			Jwt jwt = this.jwtDecoder.decode(token);
			if (jwt.getSubject() == null || jwt.getSubject().isBlank()) {
				throw new MessageDeliveryException("CONNECT refused: the token has no subject");
			}
			return new ChatUser(jwt.getSubject(), token);
		}
		catch (JwtException ex) {
			throw new MessageDeliveryException("CONNECT refused: invalid token (" + ex.getMessage() + ")");
		}
	}

}
