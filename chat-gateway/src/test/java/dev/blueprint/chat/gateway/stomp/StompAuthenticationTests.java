package dev.blueprint.chat.gateway.stomp;

import java.util.ArrayList;
import java.util.List;

import dev.blueprint.chat.gateway.session.ClosedSessions;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the interceptor keeps of a session's subscriptions, frame by frame (the refusals a
 * client sees are covered by {@code GatewayIntegrationTests} against a running gateway).
 */
class StompAuthenticationTests {

	private final ClosedSessions closedSessions = new ClosedSessions();

	private final List<Message<?>> toClients = new ArrayList<>();

	private final StompAuthentication authentication = new StompAuthentication(
			(token) -> Jwt.withTokenValue(token).header("alg", "none").subject("alice").build(),
			new DefaultListableBeanFactory().getBeanProvider(ClientFrames.class), () -> (message, timeout) -> {
				this.toClients.add(message);
				return true;
			}, this.closedSessions, 2);

	@Test
	void aUserHasAtMostTheLimitOfSessionsOpenAndAClosedOneFreesItsPlace() {
		ChatUser alice = new ChatUser("alice", "t");
		assertThat(this.authentication.preSend(frame(StompCommand.CONNECT, "session-1", null, null), null)).isNotNull();
		assertThat(this.authentication.preSend(frame(StompCommand.CONNECT, "session-2", null, null), null)).isNotNull();
		assertThat(this.authentication.preSend(frame(StompCommand.CONNECT, "session-3", null, null), null))
			.as("a third session of alice, over the limit of 2")
			.isNull();
		assertThat(this.toClients).singleElement().satisfies((error) -> {
			StompHeaderAccessor headers = StompHeaderAccessor.wrap(error);
			assertThat(headers.getCommand()).isEqualTo(StompCommand.ERROR);
			assertThat(headers.getMessage()).contains("gateway.max-sessions-per-user");
		});
		assertThat(this.authentication.sessionsOf("alice")).isEqualTo(2);

		this.authentication.preSend(frame(StompCommand.DISCONNECT, "session-1", null, alice), null);
		assertThat(this.authentication.sessionsOf("alice")).isEqualTo(1);
		assertThat(this.authentication.preSend(frame(StompCommand.CONNECT, "session-3", null, null), null)).isNotNull();
		// Spring's own DISCONNECT after the client's changes nothing more
		this.authentication.preSend(frame(StompCommand.DISCONNECT, "session-1", null, alice), null);
		this.authentication.preSend(frame(StompCommand.DISCONNECT, "session-2", null, alice), null);
		this.authentication.preSend(frame(StompCommand.DISCONNECT, "session-3", null, alice), null);
		assertThat(this.authentication.sessionsOf("alice")).isZero();
	}

	@Test
	void aConnectQueuedBehindTheDisconnectOfADroppedConnectionIsNotCounted() {
		ChatUser alice = new ChatUser("alice", "t");
		this.closedSessions
			.closed(new SessionDisconnectEvent(this, frame(StompCommand.DISCONNECT, "session-9", null, alice),
					"session-9", CloseStatus.SESSION_NOT_RELIABLE, alice));
		this.authentication.preSend(frame(StompCommand.DISCONNECT, "session-9", null, alice), null);
		this.authentication.preSend(frame(StompCommand.CONNECT, "session-9", null, null), null);
		assertThat(this.authentication.sessionsOf("alice")).isZero();
	}

	@Test
	void aSubscribeQueuedBehindTheDisconnectOfADroppedConnectionKeepsNothing() {
		ChatUser alice = new ChatUser("alice", "t");
		assertThat(this.authentication.preSend(frame(StompCommand.CONNECT, "session-1", null, null), null)).isNotNull();
		assertThat(this.authentication.preSend(frame(StompCommand.SUBSCRIBE, "session-1", "0", alice), null))
			.isNotNull();
		assertThat(this.authentication.subscribedSessions()).isEqualTo(1);

		// The connection drops: Spring publishes the disconnect, then sends a DISCONNECT
		// past the session's queue, where a SUBSCRIBE still waits
		this.closedSessions
			.closed(new SessionDisconnectEvent(this, frame(StompCommand.DISCONNECT, "session-1", null, alice),
					"session-1", CloseStatus.SESSION_NOT_RELIABLE, alice));
		this.authentication.preSend(frame(StompCommand.DISCONNECT, "session-1", null, alice), null);
		assertThat(this.authentication.subscribedSessions()).isZero();
		assertThat(this.authentication.preSend(frame(StompCommand.SUBSCRIBE, "session-1", "1", alice), null)).isNull();
		assertThat(this.authentication.subscribedSessions()).as("nothing kept for the closed session").isZero();
		assertThat(this.toClients).as("no answer to a closed session").isEmpty();
	}

	private static Message<byte[]> frame(StompCommand command, String sessionId, String subscriptionId, ChatUser user) {
		StompHeaderAccessor headers = StompHeaderAccessor.create(command);
		headers.setSessionId(sessionId);
		if (command == StompCommand.CONNECT) {
			headers.setNativeHeader("Authorization", "Bearer token");
		}
		if (subscriptionId != null) {
			headers.setSubscriptionId(subscriptionId);
			headers.setDestination("/user/queue/messages");
		}
		headers.setUser(user);
		headers.setLeaveMutable(true);
		return MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
	}

}
