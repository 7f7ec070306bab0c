package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

/**
 * The sessions' closes at shutdown, against sessions whose close frame waits for a client
 * that stopped reading. Spring's STOMP handler closes them one after the other: each such
 * client added {@code gateway.send-time-limit} to the shutdown. With real sessions:
 * {@code GoingAwayIntegrationTests}.
 */
class GoingAwayTests {

	private final CountDownLatch stalled = new CountDownLatch(1);

	@AfterEach
	void release() {
		this.stalled.countDown();
	}

	@Test
	void closesManySlowSessionsAtOnceNotOneAfterAnother() throws Exception {
		GoingAway goingAway = new GoingAway(Duration.ofSeconds(30));
		WebSocketHandler handler = goingAway.decorate(new TextWebSocketHandler());
		List<WebSocketSession> sessions = new ArrayList<>();
		for (int i = 0; i < 4 * GoingAway.CLOSERS; i++) {
			WebSocketSession session = session(() -> Thread.sleep(500));
			handler.afterConnectionEstablished(session);
			sessions.add(session);
		}

		long start = System.nanoTime();
		assertThat(goingAway.closeAll()).isZero();
		long took = System.nanoTime() - start;

		// one after the other: 128 × 0.5 s = 64 s; 32 at a time: 2 s
		assertThat(Duration.ofNanos(took)).isLessThan(Duration.ofSeconds(20));
		for (WebSocketSession session : sessions) {
			verify(session).close(CloseStatus.GOING_AWAY);
		}
	}

	@Test
	void waitsForClosesThatNeverEndOnlyTheSendTimeLimitAndASecond() throws Exception {
		Duration sendTimeLimit = Duration.ofMillis(200);
		GoingAway goingAway = new GoingAway(sendTimeLimit);
		WebSocketHandler handler = goingAway.decorate(new TextWebSocketHandler());
		for (int i = 0; i < 3; i++) {
			handler.afterConnectionEstablished(session(() -> this.stalled.await()));
		}
		handler.afterConnectionEstablished(session(() -> {
		}));

		long start = System.nanoTime();
		assertThat(goingAway.closeAll()).as("closes still waiting").isEqualTo(3);
		long took = System.nanoTime() - start;

		assertThat(Duration.ofNanos(took)).isGreaterThanOrEqualTo(GoingAway.closeWait(sendTimeLimit))
			.isLessThan(GoingAway.closeWait(sendTimeLimit).plusSeconds(5));
	}

	@Test
	void forgetsTheSessionsThatClosed() throws Exception {
		GoingAway goingAway = new GoingAway(Duration.ofSeconds(5));
		WebSocketHandler handler = goingAway.decorate(new TextWebSocketHandler());
		WebSocketSession open = session(() -> {
		});
		WebSocketSession closed = session(() -> {
		});
		handler.afterConnectionEstablished(open);
		handler.afterConnectionEstablished(closed);
		handler.afterConnectionClosed(closed, CloseStatus.NORMAL);

		assertThat(goingAway.open()).isEqualTo(1);
		goingAway.closeAll();
		verify(open).close(CloseStatus.GOING_AWAY);
		verify(closed, org.mockito.Mockito.never()).close(CloseStatus.GOING_AWAY);
	}

	private static WebSocketSession session(Blocking close) throws Exception {
		WebSocketSession session = mock(WebSocketSession.class);
		willAnswer((invocation) -> {
			close.run();
			return null;
		}).given(session).close(CloseStatus.GOING_AWAY);
		return session;
	}

	@FunctionalInterface
	interface Blocking {

		void run() throws InterruptedException;

	}

}
