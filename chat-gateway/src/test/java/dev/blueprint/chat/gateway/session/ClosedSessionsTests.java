package dev.blueprint.chat.gateway.session;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

import static org.assertj.core.api.Assertions.assertThat;

class ClosedSessionsTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final ClosedSessions closed = new ClosedSessions(this.now::get);

	@Test
	void aClosedSessionIsRememberedForAMinuteAndThenForgotten() {
		this.closed.closed(disconnected("s1"));
		this.now.addAndGet(Duration.ofSeconds(30).toNanos());
		this.closed.closed(disconnected("s2"));

		this.now.addAndGet(Duration.ofSeconds(30).toNanos());
		this.closed.forgetOld();
		assertThat(this.closed.isClosed("s1")).as("closed exactly a minute ago").isTrue();
		assertThat(this.closed.isClosed("other")).isFalse();

		this.now.addAndGet(1);
		this.closed.forgetOld();
		assertThat(this.closed.isClosed("s1")).isFalse();
		assertThat(this.closed.isClosed("s2")).isTrue();
		assertThat(this.closed.size()).isEqualTo(1);
	}

	private static SessionDisconnectEvent disconnected(String sessionId) {
		StompHeaderAccessor headers = StompHeaderAccessor.create(StompCommand.DISCONNECT);
		headers.setSessionId(sessionId);
		Message<byte[]> message = MessageBuilder.createMessage(new byte[0], headers.getMessageHeaders());
		return new SessionDisconnectEvent(ClosedSessionsTests.class, message, sessionId, CloseStatus.NORMAL,
				() -> "user");
	}

}
