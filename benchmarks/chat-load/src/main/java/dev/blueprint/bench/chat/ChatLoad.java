package dev.blueprint.bench.chat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

import dev.blueprint.local.HmacJwt;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.messaging.converter.SimpleMessageConverter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.web.socket.WebSocketExtension;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;

/**
 * The chat benchmark's entry point. {@code --mode load} (default): N clients in
 * conversations, fixed open-loop send rates, end-to-end latency per step
 * ({@link LoadRun}). {@code --mode idle}: as many idle authenticated sessions as one
 * gateway holds, with its heap and RSS ({@link IdleRun}). {@code --mode transports}:
 * delivery latency over WebSocket, SockJS xhr-streaming and SockJS xhr-polling side by
 * side ({@link TransportRun}). {@code --mode presence}: presence changes per second
 * fanned out to every contact, with latency and CPU per change ({@link PresenceRun}).
 * Options: {@link Options}.
 */
public final class ChatLoad {

	/** Every relative time of the run (bodies, clientMessageIds) counts from here. */
	static final long ORIGIN = System.nanoTime();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final Options options;

	private final String secret;

	private final WebSocketStompClient stomp;

	private final URI gateway;

	final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	ChatLoad(Options options) throws Exception {
		this.options = options;
		this.secret = Files.readString(Path.of(options.get("secret-file"))).trim();
		this.gateway = URI.create(options.get("gateway"));
		// One client, one heart-beat scheduler and one Tomcat WebSocket container for
		// every session; each session takes one write at a time.
		this.stomp = new WebSocketStompClient(new SerializedWrites(new StandardWebSocketClient()));
		this.stomp.setMessageConverter(new SimpleMessageConverter());
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(2);
		scheduler.setThreadNamePrefix("stomp-heartbeat-");
		scheduler.initialize();
		this.stomp.setTaskScheduler(scheduler);
		long heartbeat = options.integer("heartbeat-ms");
		this.stomp.setDefaultHeartbeat(new long[] { heartbeat, heartbeat });
	}

	public static void main(String[] args) throws Exception {
		Options options = new Options(args);
		System.out.println("chat-load " + options);
		ChatLoad load = new ChatLoad(options);
		int status = switch (options.get("mode")) {
			case "load" -> new LoadRun(load, options).run();
			case "idle" -> new IdleRun(load, options).run();
			case "transports" -> new TransportRun(load, options).run();
			case "presence" -> new PresenceRun(load, options).run();
			default -> throw new IllegalArgumentException(
					"--mode is load, idle, transports or presence, was " + options.get("mode"));
		};
		System.exit(status);
	}

	/** Run-unique user names, so direct pairs of earlier runs are never reused. */
	List<String> users(int count) {
		String prefix = this.options.get("user-prefix").isEmpty()
				? "b" + Long.toString(System.currentTimeMillis() / 1000, 36) + "-" : this.options.get("user-prefix");
		List<String> users = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			users.add(prefix + i);
		}
		return users;
	}

	String token(String user) {
		return HmacJwt.mint(this.secret, user, Instant.now(), Duration.ofHours(24));
	}

	/** A conversation and its members' clients. */
	record Conversation(String id, List<LoadClient> members) {
	}

	/**
	 * Creates one conversation per {@code size} consecutive clients (direct for 2, group
	 * otherwise; a remainder is left out), 16 requests at a time, through
	 * chat-message-service's REST API.
	 */
	List<Conversation> createConversations(List<LoadClient> clients, int size) throws Exception {
		Semaphore inFlight = new Semaphore(16);
		List<CompletableFuture<Conversation>> created = new ArrayList<>();
		for (int first = 0; first + size <= clients.size(); first += size) {
			List<LoadClient> members = clients.subList(first, first + size);
			List<String> others = members.stream().skip(1).map((client) -> client.user).toList();
			String body = JSON.writeValueAsString(Map.of("type", (size == 2) ? "direct" : "group", "members", others));
			HttpRequest request = HttpRequest
				.newBuilder(URI.create(this.options.get("messages") + "/api/v1/conversations"))
				.header("Authorization", "Bearer " + token(members.get(0).user))
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build();
			inFlight.acquire();
			created.add(create(request, 1).thenApply((response) -> {
				if (response.statusCode() / 100 != 2) {
					throw new IllegalStateException(
							"create conversation: " + response.statusCode() + " " + response.body());
				}
				return new Conversation(JSON.readTree(response.body()).get("id").asString(), members);
			}).whenComplete((conversation, failure) -> inFlight.release()));
		}
		return created.stream().map(CompletableFuture::join).toList();
	}

	/**
	 * Sends a create, and again after its {@code Retry-After} (at most 5 attempts) while
	 * the service answers 503 — as a client would while a cold Cassandra times out. A
	 * retried group may exist twice; its members' contacts are the same either way.
	 */
	private CompletableFuture<HttpResponse<String>> create(HttpRequest request, int attempt) {
		return this.http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenCompose((response) -> {
			if (response.statusCode() != 503 || attempt >= 5) {
				return CompletableFuture.completedFuture(response);
			}
			long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
			return CompletableFuture
				.supplyAsync(() -> null,
						CompletableFuture.delayedExecutor(Math.min(seconds, 10), java.util.concurrent.TimeUnit.SECONDS))
				.thenCompose((ignored) -> create(request, attempt + 1));
		});
	}

	/** The outcome of connecting a batch of clients. */
	record Connected(int ok, Map<String, Long> failures) {

		int failed() {
			return (int) this.failures.values().stream().mapToLong(Long::longValue).sum();
		}

	}

	/**
	 * The handshake's headers: with {@code --deflate true} the client offers
	 * {@code permessage-deflate}, as browsers do.
	 */
	private WebSocketHttpHeaders handshake() {
		WebSocketHttpHeaders headers = new WebSocketHttpHeaders();
		if (Boolean.parseBoolean(this.options.get("deflate"))) {
			headers.setSecWebSocketExtensions(List.of(new WebSocketExtension("permessage-deflate")));
		}
		return headers;
	}

	/**
	 * Connects (and subscribes) every client, at most {@code connect-concurrency} at a
	 * time; failures are counted by cause.
	 */
	Connected connect(List<LoadClient> clients) throws InterruptedException {
		Semaphore inFlight = new Semaphore(this.options.integer("connect-concurrency"));
		LongAdder ok = new LongAdder();
		Map<String, LongAdder> failures = new ConcurrentHashMap<>();
		List<CompletableFuture<Void>> all = new ArrayList<>(clients.size());
		for (LoadClient client : clients) {
			inFlight.acquire();
			all.add(client.connect(this.stomp, this.gateway, handshake(), token(client.user), 30)
				.whenComplete((done, failure) -> {
					inFlight.release();
					if (failure == null) {
						ok.increment();
					}
					else {
						failures.computeIfAbsent(cause(failure), (key) -> new LongAdder()).increment();
					}
				}));
		}
		CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally((failure) -> null).join();
		Map<String, Long> counted = new TreeMap<>();
		failures.forEach((cause, count) -> counted.put(cause, count.sum()));
		return new Connected(ok.intValue(), counted);
	}

	private static String cause(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String text = root.getClass().getSimpleName() + ": " + root.getMessage();
		return (text.length() > 120) ? text.substring(0, 120) : text;
	}

	static String millis(double value) {
		return Double.isNaN(value) ? "-" : String.format("%.1f", value);
	}

}
