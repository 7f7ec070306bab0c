package dev.blueprint.chat.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * A WebSocket that sends STOMP frames as written, without a STOMP client's rules (a
 * client library would not send a frame before CONNECT, or use the {@code STOMP}
 * command), and collects what the gateway answers. Over SockJS's WebSocket transport the
 * frames are wrapped in SockJS's JSON arrays.
 */
final class RawStompSocket implements AutoCloseable {

	private final WebSocketSession socket;

	private final boolean sockJs;

	private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

	private final CompletableFuture<Integer> closed = new CompletableFuture<>();

	private RawStompSocket(URI uri, boolean sockJs) throws Exception {
		this.sockJs = sockJs;
		this.socket = new StandardWebSocketClient().execute(new TextWebSocketHandler() {

			@Override
			protected void handleTextMessage(WebSocketSession session, TextMessage message) {
				RawStompSocket.this.received.add(message.getPayload());
			}

			@Override
			public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
				RawStompSocket.this.closed.complete(status.getCode());
			}

		}, new WebSocketHttpHeaders(), uri).get(10, TimeUnit.SECONDS);
	}

	/** Plain STOMP over WebSocket ({@code /ws}). */
	static RawStompSocket open(int port) throws Exception {
		return new RawStompSocket(URI.create("ws://localhost:" + port + "/ws"), false);
	}

	/** SockJS's WebSocket transport with the session id given. */
	static RawStompSocket openSockJs(int port, String sessionId) throws Exception {
		return new RawStompSocket(URI.create("ws://localhost:" + port + "/sockjs/000/" + sessionId + "/websocket"),
				true);
	}

	/** Sends a frame: command, headers ({@code name:value}), body. */
	void send(String command, String body, String... headers) {
		sendTogether(frame(command, body, headers));
	}

	/** A frame as {@link #sendTogether} takes it. */
	static String frame(String command, String body, String... headers) {
		return command + "\n" + String.join("\n", headers) + "\n\n" + body + "\0";
	}

	/** Sends frames in one WebSocket message (STOMP allows several in one). */
	void sendTogether(String... frames) {
		String frame = String.join("", frames);
		try {
			this.socket.sendMessage(new TextMessage(this.sockJs ? "[\"" + jsonEscape(frame) + "\"]" : frame));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The next STOMP frame the gateway sent (SockJS's open and heart-beat frames skipped,
	 * its arrays unwrapped to their first frame), or {@code null} after the timeout.
	 */
	String next(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			String message = this.received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			if (message == null || !this.sockJs) {
				return message;
			}
			if (message.startsWith("a[") || message.startsWith("c[")) {
				return message;
			}
		}
	}

	/** The close status once the gateway closed the connection, or {@code null}. */
	Integer closedWith(Duration timeout) {
		try {
			return this.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			return null;
		}
	}

	static String jsonEscape(String text) {
		StringBuilder escaped = new StringBuilder();
		for (char c : text.toCharArray()) {
			if (c == '"' || c == '\\') {
				escaped.append('\\').append(c);
			}
			else if (c < 0x20) {
				escaped.append(String.format("\\u%04x", (int) c));
			}
			else {
				escaped.append(c);
			}
		}
		return escaped.toString();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
