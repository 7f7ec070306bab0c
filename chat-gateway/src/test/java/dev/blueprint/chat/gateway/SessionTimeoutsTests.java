package dev.blueprint.chat.gateway;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.mock;

/**
 * A write Tomcat gave up on after {@code gateway.send-time-limit} is counted (Spring sees
 * only a failed send); other failed writes are not.
 */
class SessionTimeoutsTests {

	private final Counter timeouts = new SimpleMeterRegistry().counter("timeouts");

	@Test
	void aWriteThatTimedOutIsCountedAndStillFails() throws Exception {
		WebSocketSession session = mock(WebSocketSession.class);
		given(session.getId()).willReturn("s-1");
		willThrow(new IOException("write failed", new SocketTimeoutException("timed out"))).given(session)
			.sendMessage(org.mockito.ArgumentMatchers.any());
		WebSocketSession seen = established(session);

		assertThatIOException().isThrownBy(() -> seen.sendMessage(new TextMessage("x")));
		assertThat(this.timeouts.count()).isEqualTo(1);
	}

	@Test
	void otherFailedWritesAreNotCounted() throws Exception {
		WebSocketSession session = mock(WebSocketSession.class);
		willThrow(new IOException("Broken pipe")).given(session).sendMessage(org.mockito.ArgumentMatchers.any());
		WebSocketSession seen = established(session);

		assertThatIOException().isThrownBy(() -> seen.sendMessage(new TextMessage("x")));
		assertThat(this.timeouts.count()).isZero();
		assertThat(SessionTimeouts.timedOut(new java.util.concurrent.TimeoutException())).isTrue();
		assertThat(SessionTimeouts.timedOut(new IOException(new IllegalStateException()))).isFalse();
	}

	/** The session the handler beneath SessionTimeouts is given. */
	private WebSocketSession established(WebSocketSession session) throws Exception {
		AtomicReference<WebSocketSession> seen = new AtomicReference<>();
		SessionTimeouts timeouts = new SessionTimeouts(new AbstractWebSocketHandler() {

			@Override
			public void afterConnectionEstablished(WebSocketSession established) {
				seen.set(established);
			}

		}, Duration.ofSeconds(60), Duration.ofSeconds(5), this.timeouts);
		timeouts.afterConnectionEstablished(session);
		return seen.get();
	}

}
