package dev.blueprint.bench.chat;

import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import org.springframework.context.Lifecycle;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.WebSocketClient;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;
import org.springframework.web.socket.handler.SessionLimitExceededException;
import org.springframework.web.socket.messaging.WebSocketStompClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class SerializedWritesTests {

	private static final int WRITES_PER_THREAD = 2_000;

	/**
	 * What the endpoint wrote, in order; only ever appended to by one writer at a time.
	 */
	private final List<String> written = new ArrayList<>();

	private final AtomicBoolean writing = new AtomicBoolean();

	@Test
	void writesFromTwoThreadsAreAllWrittenOneAtATimeInEachThreadsOrder() throws Exception {
		Recorder handler = new Recorder();
		new SerializedWrites(new Connecting(endpoint()))
			.execute(handler, new WebSocketHttpHeaders(), URI.create("ws://x"))
			.get(5, TimeUnit.SECONDS);
		WebSocketSession session = handler.established.get();
		List<Throwable> failures = new CopyOnWriteArrayList<>();
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		for (String name : List.of("send", "heart-beat")) {
			Thread thread = new Thread(() -> {
				try {
					start.await();
					for (int i = 0; i < WRITES_PER_THREAD; i++) {
						session.sendMessage(new TextMessage(name + " " + i));
					}
				}
				catch (Exception ex) {
					failures.add(ex);
				}
			});
			thread.start();
			threads.add(thread);
		}
		start.countDown();
		for (Thread thread : threads) {
			thread.join(30_000);
		}

		assertThat(failures).isEmpty();
		synchronized (this.written) {
			assertThat(this.written).hasSize(2 * WRITES_PER_THREAD);
			for (String name : List.of("send", "heart-beat")) {
				assertThat(this.written.stream().filter((text) -> text.startsWith(name + " ")).toList())
					.isEqualTo(IntStream.range(0, WRITES_PER_THREAD).mapToObj((i) -> name + " " + i).toList());
			}
		}
	}

	@Test
	void everyCallbackGetsTheSameSerializedSession() throws Exception {
		Recorder handler = new Recorder();
		WebSocketSession endpoint = endpoint();
		Connecting client = new Connecting(endpoint);
		new SerializedWrites(client).execute(handler, new WebSocketHttpHeaders(), URI.create("ws://x"))
			.get(5, TimeUnit.SECONDS);

		client.handler.handleMessage(endpoint, new TextMessage("MESSAGE"));
		client.handler.afterConnectionClosed(endpoint, CloseStatus.NORMAL);

		assertThat(handler.established.get()).isNotSameAs(endpoint);
		assertThat(handler.sessions).hasSize(3)
			.allSatisfy((seen) -> assertThat(seen).isSameAs(handler.established.get()));
	}

	@Test
	void aSessionOverItsBufferLimitIsClosedAndRefusesEveryLaterWrite() throws Exception {
		CountDownLatch writing = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		List<CloseStatus> closed = new CopyOnWriteArrayList<>();
		WebSocketSession endpoint = (WebSocketSession) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { WebSocketSession.class }, (proxy, method, args) -> switch (method.getName()) {
					case "sendMessage" -> {
						writing.countDown();
						release.await(30, TimeUnit.SECONDS);
						yield null;
					}
					case "close" -> {
						closed.add((CloseStatus) args[0]);
						yield null;
					}
					case "isOpen" -> closed.isEmpty();
					case "getId" -> "session-1";
					case "toString" -> "endpoint";
					default -> throw new UnsupportedOperationException(method.getName());
				});
		WebSocketSession session = new SerializedWrites.Serialized(endpoint, 60_000, 16);
		Thread blocked = new Thread(() -> {
			try {
				session.sendMessage(new TextMessage("stuck"));
			}
			catch (Exception ex) {
				// released at the end
			}
		});
		blocked.start();
		assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
		try {
			assertThat(catchThrowable(() -> session.sendMessage(new TextMessage("x".repeat(17)))))
				.isInstanceOf(SessionLimitExceededException.class);
			assertThat(closed).containsExactly(CloseStatus.SESSION_NOT_RELIABLE);

			assertThat(catchThrowable(() -> session.sendMessage(new TextMessage("later"))))
				.isInstanceOf(IllegalStateException.class)
				.hasMessageStartingWith("session closed: ");
		}
		finally {
			release.countDown();
			blocked.join(5_000);
		}
	}

	@Test
	void aStompClientStartsAndStopsAWrappedClientThatHasALifecycle() {
		Startable delegate = new Startable(new Connecting(endpoint()));
		WebSocketStompClient stomp = new WebSocketStompClient(new SerializedWrites(delegate));

		stomp.start();
		assertThat(delegate.isRunning()).isTrue();
		stomp.stop();
		assertThat(delegate.isRunning()).isFalse();
	}

	@Test
	void aClientWithoutALifecycleIsAlwaysRunning() {
		SerializedWrites client = new SerializedWrites(new Connecting(endpoint()));

		client.start();
		client.stop();
		assertThat(client.isRunning()).isTrue();
	}

	/**
	 * A session that refuses a write begun while another is in progress, as Tomcat's
	 * endpoint does ({@code TEXT_FULL_WRITING}), and takes a little while per write.
	 */
	private WebSocketSession endpoint() {
		return (WebSocketSession) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { WebSocketSession.class }, (proxy, method, args) -> switch (method.getName()) {
					case "sendMessage" -> {
						if (!this.writing.compareAndSet(false, true)) {
							throw new IllegalStateException("The remote endpoint was in state [TEXT_FULL_WRITING]");
						}
						try {
							LockSupport.parkNanos(2_000);
							synchronized (this.written) {
								this.written.add(((WebSocketMessage<?>) args[0]).getPayload().toString());
							}
						}
						finally {
							this.writing.set(false);
						}
						yield null;
					}
					case "isOpen" -> true;
					case "getId" -> "session-1";
					case "toString" -> "endpoint";
					case "hashCode" -> System.identityHashCode(proxy);
					case "equals" -> proxy == args[0];
					default -> throw new UnsupportedOperationException(method.getName());
				});
	}

	/** A client with a lifecycle, as {@code SockJsClient} has. */
	private static final class Startable implements WebSocketClient, Lifecycle {

		private final WebSocketClient delegate;

		private volatile boolean running;

		Startable(WebSocketClient delegate) {
			this.delegate = delegate;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, String uriTemplate,
				Object... uriVariables) {
			return this.delegate.execute(handler, uriTemplate, uriVariables);
		}

		@Override
		public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, WebSocketHttpHeaders headers,
				URI uri) {
			return this.delegate.execute(handler, headers, uri);
		}

	}

	/**
	 * Opens the given session at once, as a WebSocket client does after the handshake.
	 */
	private static final class Connecting implements WebSocketClient {

		private final WebSocketSession session;

		private WebSocketHandler handler;

		Connecting(WebSocketSession session) {
			this.session = session;
		}

		@Override
		public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, String uriTemplate,
				Object... uriVariables) {
			throw new UnsupportedOperationException();
		}

		@Override
		public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, WebSocketHttpHeaders headers,
				URI uri) {
			this.handler = handler;
			try {
				handler.afterConnectionEstablished(this.session);
			}
			catch (Exception ex) {
				return CompletableFuture.failedFuture(ex);
			}
			return CompletableFuture.completedFuture(this.session);
		}

	}

	/** Records the session every callback is given. */
	private static final class Recorder extends AbstractWebSocketHandler {

		final AtomicReference<WebSocketSession> established = new AtomicReference<>();

		final List<WebSocketSession> sessions = new ArrayList<>();

		@Override
		public void afterConnectionEstablished(WebSocketSession session) {
			this.established.set(session);
			this.sessions.add(session);
		}

		@Override
		protected void handleTextMessage(WebSocketSession session, TextMessage message) {
			this.sessions.add(session);
		}

		@Override
		public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
			this.sessions.add(session);
		}

	}

}
