package dev.blueprint.testsupport.chat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stands in for chat-message-service's {@code GET /api/v1/conversations?view=members},
 * the one call presence-service and chat-gateway make to it: answers each caller (the
 * bearer token's {@code sub}) with the conversations registered here, and counts calls.
 * Without {@code view=members} it answers 400, so that a client reading the full list
 * (twice the Cassandra reads) fails its tests. chat-message-service itself needs
 * Cassandra and Kafka; the e2e tests run them together.
 */
public final class ConversationsStub implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpServer server;

	private final Map<String, List<Listed>> conversations = new ConcurrentHashMap<>();

	private final Map<String, Integer> statuses = new ConcurrentHashMap<>();

	private final AtomicInteger calls = new AtomicInteger();

	private volatile long delayMillis;

	public ConversationsStub() {
		try {
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.server.createContext("/api/v1/conversations", this::handle);
		this.server.start();
	}

	public String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/** A conversation of these members (each of them lists it). */
	public void conversation(String... members) {
		conversation(UUID.randomUUID(), members);
	}

	/** A conversation with this id and these members (each of them lists it). */
	public void conversation(UUID id, String... members) {
		for (String member : members) {
			this.conversations.computeIfAbsent(member, (key) -> new CopyOnWriteArrayList<>())
				.add(new Listed(id, List.of(members)));
		}
	}

	private record Listed(UUID id, List<String> members) {
	}

	/** Answers this caller with a 500. */
	public void fail(String user) {
		answer(user, 500);
	}

	/** Answers this caller with this status (and an empty JSON object), e.g. a 401. */
	public void answer(String user, int status) {
		this.statuses.put(user, status);
	}

	/** Answers every call this much later (calls are answered one at a time). */
	public void delay(java.time.Duration delay) {
		this.delayMillis = delay.toMillis();
	}

	public int calls() {
		return this.calls.get();
	}

	private void handle(HttpExchange exchange) throws IOException {
		this.calls.incrementAndGet();
		if (this.delayMillis > 0) {
			try {
				Thread.sleep(this.delayMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		String authorization = exchange.getRequestHeaders().getFirst("Authorization");
		String user = subject(authorization);
		if (user == null) {
			respond(exchange, 401, "{}");
			return;
		}
		Integer status = this.statuses.get(user);
		if (status != null) {
			respond(exchange, status, "{}");
			return;
		}
		if (!"view=members".equals(exchange.getRequestURI().getRawQuery())) {
			respond(exchange, 400, "{\"field\":\"view\",\"detail\":\"this stand-in serves only view=members\"}");
			return;
		}
		List<Map<String, Object>> body = new ArrayList<>();
		for (Listed conversation : this.conversations.getOrDefault(user, List.of())) {
			body.add(Map.of("id", conversation.id().toString(), "members", conversation.members()));
		}
		respond(exchange, 200, JSON.writeValueAsString(body));
	}

	private static String subject(String authorization) {
		if (authorization == null || !authorization.startsWith("Bearer ")) {
			return null;
		}
		String[] parts = authorization.substring(7).split("\\.");
		if (parts.length != 3) {
			return null;
		}
		String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
		return JSON.readTree(payload).path("sub").asString(null);
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
