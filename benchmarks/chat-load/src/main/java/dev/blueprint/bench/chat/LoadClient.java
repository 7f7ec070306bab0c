package dev.blueprint.bench.chat;

import java.lang.reflect.Type;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.messaging.WebSocketStompClient;

/**
 * One user's STOMP session on the gateway, opened through a {@link WebSocketStompClient}
 * shared by every client of the run (unlike the test-support client, which has one per
 * connection). Subscribes to the user's messages, acks and errors and hands every frame
 * to {@link Frames}.
 */
final class LoadClient {

	/**
	 * Where the frames a client receives go. Called on the WebSocket client's threads.
	 */
	interface Frames {

		void message(LoadClient client, JsonNode frame, long receivedNanos);

		void ack(LoadClient client, JsonNode frame, long receivedNanos);

		void error(LoadClient client, JsonNode frame, long receivedNanos);

		/**
		 * A frame on {@code /user/queue/presence}; only clients created with
		 * {@code presence} subscribed.
		 */
		default void presence(LoadClient client, JsonNode frame, long receivedNanos) {
		}

	}

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String SYNC_CODE = "unknown-destination";

	final String user;

	private final Frames frames;

	private final CompletableFuture<Void> ready = new CompletableFuture<>();

	private volatile StompSession session;

	private volatile String failure;

	private final boolean presence;

	LoadClient(String user, Frames frames) {
		this(user, frames, false);
	}

	/** With {@code presence}, the client also subscribes to presence changes. */
	LoadClient(String user, Frames frames, boolean presence) {
		this.user = user;
		this.frames = frames;
		this.presence = presence;
	}

	/**
	 * Connects with the token in the CONNECT frame, subscribes, and completes once the
	 * gateway has handled the subscriptions (a SEND to an unknown destination whose error
	 * comes back on the errors queue, which is only possible once that subscription is
	 * live).
	 */
	CompletableFuture<Void> connect(WebSocketStompClient stomp, URI uri, WebSocketHttpHeaders handshake, String token,
			long timeoutSeconds) {
		StompHeaders connect = new StompHeaders();
		connect.add("Authorization", "Bearer " + token);
		return stomp.connectAsync(uri, handshake, connect, new Handler()).thenCompose((session) -> {
			attach(session);
			subscribe("messages", this.frames::message);
			subscribe("acks", this.frames::ack);
			subscribe("errors", this::onError);
			if (this.presence) {
				subscribe("presence", this.frames::presence);
			}
			RuntimeException refused = send("/app/sync", "{}");
			if (refused != null) {
				this.failure = "send: " + causes(refused);
				return CompletableFuture.failedFuture(refused);
			}
			return this.ready;
		}).orTimeout(timeoutSeconds, TimeUnit.SECONDS);
	}

	/** The connected session this client writes to. */
	void attach(StompSession session) {
		this.session = session;
	}

	private interface Sink {

		void accept(LoadClient client, JsonNode frame, long receivedNanos);

	}

	private void subscribe(String queue, Sink sink) {
		this.session.subscribe("/user/queue/" + queue, new StompFrameHandler() {

			@Override
			public Type getPayloadType(StompHeaders headers) {
				return byte[].class;
			}

			@Override
			public void handleFrame(StompHeaders headers, Object payload) {
				long now = System.nanoTime();
				sink.accept(LoadClient.this, JSON.readTree((byte[]) payload), now);
			}

		});
	}

	private void onError(LoadClient client, JsonNode frame, long receivedNanos) {
		if (!this.ready.isDone() && SYNC_CODE.equals(frame.path("code").asString(""))) {
			this.ready.complete(null);
		}
		else {
			this.frames.error(client, frame, receivedNanos);
		}
	}

	/**
	 * Sends a chat message. The client's WebSocket session takes one write at a time
	 * ({@link SerializedWrites}), so a SEND that meets a heart-beat waits behind it
	 * instead of being refused. False if the session refused the frame;
	 * {@link #failure()} says why. True once it is written, or queued behind a write in
	 * progress that writes it next: if that write fails, the connection is closed and the
	 * message shows as lost deliveries, not as a failed send.
	 */
	boolean sendMessage(String conversationId, String clientMessageId, String body) {
		String destination = "/app/conversations/" + conversationId + "/messages";
		String json = JSON.writeValueAsString(java.util.Map.of("clientMessageId", clientMessageId, "body", body));
		RuntimeException refused = send(destination, json);
		if (refused != null) {
			this.failure = "send: " + causes(refused);
			return false;
		}
		return true;
	}

	/** Writes one frame; the exception if the session refused it, else null. */
	private RuntimeException send(String destination, String json) {
		StompHeaders headers = new StompHeaders();
		headers.setDestination(destination);
		headers.setContentType(MimeTypeUtils.APPLICATION_JSON);
		try {
			this.session.send(headers, json.getBytes(StandardCharsets.UTF_8));
			return null;
		}
		catch (RuntimeException ex) {
			return ex;
		}
	}

	private static String causes(Throwable ex) {
		// the top exception's own message is the whole failed frame: its class is enough
		StringBuilder text = new StringBuilder(ex.getClass().getName());
		Throwable cause = ex.getCause();
		for (int depth = 0; cause != null && depth < 10; depth++, cause = cause.getCause()) {
			text.append(" <- ").append(cause);
		}
		return text.toString();
	}

	boolean isConnected() {
		StompSession current = this.session;
		return current != null && current.isConnected() && this.failure == null;
	}

	/** Why the session broke, or null. */
	String failure() {
		return this.failure;
	}

	void close() {
		StompSession current = this.session;
		if (current != null && current.isConnected()) {
			try {
				current.disconnect();
			}
			catch (RuntimeException ex) {
				// closing anyway
			}
		}
	}

	private final class Handler extends StompSessionHandlerAdapter {

		@Override
		public void handleTransportError(StompSession session, Throwable exception) {
			LoadClient.this.failure = "transport: " + exception;
			LoadClient.this.ready.completeExceptionally(exception);
		}

		@Override
		public void handleException(StompSession session, StompCommand command, StompHeaders headers, byte[] payload,
				Throwable exception) {
			LoadClient.this.failure = "frame: " + exception;
		}

	}

}
