package dev.blueprint.testsupport.chat;

import java.io.IOException;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.messaging.converter.SimpleMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketExtension;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.WebSocketClient;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.handler.WebSocketSessionDecorator;
import org.springframework.web.socket.messaging.WebSocketStompClient;
import org.springframework.web.socket.sockjs.client.RestTemplateXhrTransport;
import org.springframework.web.socket.sockjs.client.SockJsClient;
import org.springframework.web.socket.sockjs.client.Transport;
import org.springframework.web.socket.sockjs.client.TransportRequest;
import org.springframework.web.socket.sockjs.client.WebSocketTransport;
import org.springframework.web.socket.sockjs.transport.TransportType;

/**
 * A real STOMP client of the chat gateway for tests (Spring's WebSocketStompClient): it
 * connects with a bearer token, subscribes to the user's queues and collects every frame
 * as JSON.
 */
public final class StompTestClient implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** The queues every client subscribes to. */
	public static final List<String> QUEUES = List.of("messages", "acks", "errors");

	private final WebSocketStompClient client;

	private final StompSession session;

	private final java.util.Map<String, BlockingQueue<JsonNode>> queues = new java.util.concurrent.ConcurrentHashMap<>();

	private final BlockingQueue<String> transportErrors = new LinkedBlockingQueue<>();

	private StompTestClient(WebSocketStompClient client, String url, String bearer, Duration timeout) throws Exception {
		this(client, url, new WebSocketHttpHeaders(), bearer, timeout);
	}

	private StompTestClient(WebSocketStompClient client, String url, WebSocketHttpHeaders handshake, String bearer,
			Duration timeout) throws Exception {
		this.client = client;
		StompHeaders connect = new StompHeaders();
		if (bearer != null) {
			connect.add("Authorization", "Bearer " + bearer);
		}
		try {
			this.session = client.connectAsync(URI.create(url), handshake, connect, new StompSessionHandlerAdapter() {

				@Override
				public void handleTransportError(StompSession session, Throwable exception) {
					StompTestClient.this.transportErrors.add(String.valueOf(exception));
				}

				@Override
				public void handleException(StompSession session,
						org.springframework.messaging.simp.stomp.StompCommand command, StompHeaders headers,
						byte[] payload, Throwable exception) {
					StompTestClient.this.transportErrors.add(String.valueOf(exception));
				}

			}).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			client.stop();
			throw ex;
		}
		for (String queue : QUEUES) {
			subscribe(queue);
		}
	}

	/** Connects over native WebSocket with the token in the CONNECT frame. */
	public static StompTestClient connect(String url, String bearer) throws Exception {
		return new StompTestClient(stompClient(webSocketClient()), url, bearer, Duration.ofSeconds(15));
	}

	/**
	 * Connects over native WebSocket offering {@code permessage-deflate} in the
	 * handshake, as browsers do: if the server accepts it, every frame both ways is
	 * compressed.
	 */
	public static StompTestClient connectOfferingCompression(String url, String bearer) throws Exception {
		WebSocketHttpHeaders handshake = new WebSocketHttpHeaders();
		handshake.setSecWebSocketExtensions(List.of(new WebSocketExtension("permessage-deflate")));
		List<String> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
		// Recorded before the STOMP client's handler sends CONNECT on the open session,
		// so
		// they are known before the client is ready.
		WebSocketClient recording = decorating(webSocketClient(), (handler) -> new WebSocketHandlerDecorator(handler) {

			@Override
			public void afterConnectionEstablished(WebSocketSession session) throws Exception {
				session.getExtensions().forEach((extension) -> accepted.add(extension.getName()));
				super.afterConnectionEstablished(session);
			}

		});
		StompTestClient client = new StompTestClient(stompClient(recording), url, handshake, bearer,
				Duration.ofSeconds(15));
		client.extensions = accepted;
		return client;
	}

	private List<String> extensions = List.of();

	/**
	 * The WebSocket extensions the server accepted in the handshake of a client made by
	 * {@link #connectOfferingCompression} ({@code permessage-deflate} when every frame is
	 * compressed; empty when the offer was declined, and for every other client).
	 */
	public List<String> negotiatedExtensions() {
		return List.copyOf(this.extensions);
	}

	/**
	 * Connects over SockJS; {@code xhrOnly} forbids the WebSocket transport (the
	 * long-polling fallback).
	 */
	public static StompTestClient connectSockJs(String url, String bearer, boolean xhrOnly) throws Exception {
		List<Transport> transports = new ArrayList<>();
		if (!xhrOnly) {
			transports.add(new WebSocketTransport(webSocketClient()));
		}
		transports.add(new RestTemplateXhrTransport());
		return new StompTestClient(stompClient(new SockJsClient(transports)), url, bearer, Duration.ofSeconds(15));
	}

	/** The SockJS transports a test can force. */
	public enum SockJsTransport {

		/** SockJS over a native WebSocket. */
		WEBSOCKET(TransportType.WEBSOCKET),
		/** One long-lived HTTP response carrying every frame (HTTP streaming). */
		XHR_STREAMING(TransportType.XHR_STREAMING),
		/** Long polling: one HTTP request per batch of frames. */
		XHR_POLLING(TransportType.XHR);

		private final TransportType type;

		SockJsTransport(TransportType type) {
			this.type = type;
		}

		/**
		 * The path segment SockJS uses for it ({@code websocket}, {@code xhr_streaming},
		 * {@code xhr}).
		 */
		public String urlSegment() {
			return this.type.value();
		}

	}

	/**
	 * Connects over SockJS with exactly one transport allowed (no fallback to another),
	 * the token in the CONNECT frame ({@code bearer}, may be null: then give it as the
	 * {@code access_token} query parameter of {@code url}). {@link #transportUrls()}
	 * tells which URLs were used.
	 */
	public static StompTestClient connectSockJs(String url, String bearer, SockJsTransport only) throws Exception {
		List<String> used = new java.util.concurrent.CopyOnWriteArrayList<>();
		Transport delegate = (only == SockJsTransport.WEBSOCKET) ? new WebSocketTransport(webSocketClient())
				: new RestTemplateXhrTransport();
		Transport recording = new Transport() {

			@Override
			public List<TransportType> getTransportTypes() {
				return List.of(only.type);
			}

			@Override
			public java.util.concurrent.CompletableFuture<org.springframework.web.socket.WebSocketSession> connectAsync(
					TransportRequest request, org.springframework.web.socket.WebSocketHandler handler) {
				used.add(request.getTransportUrl().toString());
				return delegate.connectAsync(request, handler);
			}

		};
		StompTestClient client = new StompTestClient(stompClient(new SockJsClient(List.of(recording))), url, bearer,
				Duration.ofSeconds(15));
		client.transportUrls = used;
		return client;
	}

	private List<String> transportUrls = List.of();

	/**
	 * The SockJS transport URLs this client connected through (empty for a plain
	 * WebSocket client).
	 */
	public List<String> transportUrls() {
		return List.copyOf(this.transportUrls);
	}

	/**
	 * A client accepting messages up to 64 KiB. Left to Tomcat, a client's message
	 * buffers take its JVM-wide default buffer size, which chat-gateway lowers when it
	 * starts in the same JVM ({@code gateway.io-buffer-size}): the client would close on
	 * a message the server sends whole.
	 */
	private static StandardWebSocketClient webSocketClient() {
		WebSocketContainer container = ContainerProvider.getWebSocketContainer();
		container.setDefaultMaxTextMessageBufferSize(64 * 1024);
		container.setDefaultMaxBinaryMessageBufferSize(64 * 1024);
		return new StandardWebSocketClient(container);
	}

	private static WebSocketStompClient stompClient(WebSocketClient transport) {
		WebSocketStompClient client = new WebSocketStompClient(serializedSends(transport));
		client.setMessageConverter(new SimpleMessageConverter());
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(1);
		scheduler.initialize();
		client.setTaskScheduler(scheduler);
		client.setDefaultHeartbeat(new long[] { 10_000, 10_000 });
		client.setInboundMessageSizeLimit(1024 * 1024);
		return client;
	}

	/**
	 * {@code transport} with every session's writes one at a time. Spring's STOMP client
	 * writes on the caller's thread and its heart-beats on a scheduler's, straight to the
	 * WebSocket session, which takes one write at a time: a test sending from several
	 * threads (or a send meeting a heart-beat) failed the write, and the frame was lost.
	 */
	static WebSocketClient serializedSends(WebSocketClient transport) {
		return decorating(transport, StompTestClient::serialized);
	}

	/**
	 * {@code transport} handing each connection's events to {@code decorate(handler)}.
	 */
	private static WebSocketClient decorating(WebSocketClient transport, UnaryOperator<WebSocketHandler> decorate) {
		return new WebSocketClient() {

			@Override
			public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, String uriTemplate,
					Object... uriVariables) {
				return transport.execute(decorate.apply(handler), uriTemplate, uriVariables);
			}

			@Override
			public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, WebSocketHttpHeaders headers,
					URI uri) {
				return transport.execute(decorate.apply(handler), headers, uri);
			}

		};
	}

	/** Hands {@code handler} its connection's session with serialized writes. */
	private static WebSocketHandler serialized(WebSocketHandler handler) {
		return new WebSocketHandlerDecorator(handler) {

			private volatile WebSocketSession serialized;

			private WebSocketSession of(WebSocketSession session) {
				WebSocketSession current = this.serialized;
				if (current == null || ((WebSocketSessionDecorator) current).getDelegate() != session) {
					current = new WebSocketSessionDecorator(session) {

						@Override
						public synchronized void sendMessage(WebSocketMessage<?> message) throws IOException {
							super.sendMessage(message);
						}

					};
					this.serialized = current;
				}
				return current;
			}

			@Override
			public void afterConnectionEstablished(WebSocketSession session) throws Exception {
				super.afterConnectionEstablished(of(session));
			}

			@Override
			public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) throws Exception {
				super.handleMessage(of(session), message);
			}

			@Override
			public void handleTransportError(WebSocketSession session, Throwable exception) throws Exception {
				super.handleTransportError(of(session), exception);
			}

			@Override
			public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) throws Exception {
				super.afterConnectionClosed(of(session), closeStatus);
			}

		};
	}

	/** Subscribes to {@code /user/queue/<queue>}. */
	public void subscribe(String queue) {
		subscribeRaw("/user/queue/" + queue, queue);
	}

	/** Subscribes to any destination; its frames are collected under its name. */
	public void subscribeRaw(String destination) {
		subscribeRaw(destination, destination);
	}

	private void subscribeRaw(String destination, String queue) {
		BlockingQueue<JsonNode> frames = this.queues.computeIfAbsent(queue, (key) -> new LinkedBlockingQueue<>());
		this.session.subscribe(destination, new StompFrameHandler() {

			@Override
			public Type getPayloadType(StompHeaders headers) {
				return byte[].class;
			}

			@Override
			public void handleFrame(StompHeaders headers, Object payload) {
				frames.add(JSON.readTree(new String((byte[]) payload, StandardCharsets.UTF_8)));
			}

		});
	}

	/**
	 * Waits until the gateway has handled this client's earlier frames (its
	 * subscriptions): sends to an unknown destination and waits for the error it causes.
	 */
	public StompTestClient awaitReady() throws InterruptedException {
		sendRaw("/app/sync", "{}");
		JsonNode error = next("errors", Duration.ofSeconds(15));
		if (error == null || !"unknown-destination".equals(error.get("code").asString())) {
			throw new AssertionError("expected the sync error, got " + error);
		}
		return this;
	}

	/** Sends a chat message. */
	public void send(String conversationId, String clientMessageId, String body) {
		sendRaw("/app/conversations/" + conversationId + "/messages",
				JSON.writeValueAsString(java.util.Map.of("clientMessageId", clientMessageId, "body", body)));
	}

	/**
	 * Sends a chat message with extra STOMP headers (such as a W3C {@code traceparent}).
	 */
	public void send(String conversationId, String clientMessageId, String body, Map<String, String> extraHeaders) {
		StompHeaders headers = new StompHeaders();
		extraHeaders.forEach(headers::add);
		sendRaw("/app/conversations/" + conversationId + "/messages",
				JSON.writeValueAsString(Map.of("clientMessageId", clientMessageId, "body", body)), headers);
	}

	/** Sends any frame body to any destination. */
	public void sendRaw(String destination, String body) {
		sendRaw(destination, body, new StompHeaders());
	}

	private void sendRaw(String destination, String body, StompHeaders headers) {
		headers.setDestination(destination);
		headers.setContentType(org.springframework.util.MimeTypeUtils.APPLICATION_JSON);
		this.session.send(headers, body.getBytes(StandardCharsets.UTF_8));
	}

	/** The next frame of a queue, or {@code null} after the timeout. */
	public JsonNode next(String queue, Duration timeout) throws InterruptedException {
		return this.queues.computeIfAbsent(queue, (key) -> new LinkedBlockingQueue<>())
			.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** The next frame of a queue; fails after the timeout. */
	public JsonNode expect(String queue, Duration timeout) throws InterruptedException {
		JsonNode frame = next(queue, timeout);
		if (frame == null) {
			throw new AssertionError("no frame on /user/queue/" + queue + " within " + timeout
					+ (this.transportErrors.isEmpty() ? "" : "; transport errors: " + this.transportErrors));
		}
		return frame;
	}

	public boolean isConnected() {
		return this.session.isConnected();
	}

	public String sessionId() {
		return this.session.getSessionId();
	}

	@Override
	public void close() {
		try {
			if (this.session.isConnected()) {
				this.session.disconnect();
			}
		}
		finally {
			this.client.stop();
		}
	}

}
