package dev.blueprint.bench.chat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.messaging.converter.SimpleMessageConverter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.WebSocketClient;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;
import org.springframework.web.socket.sockjs.client.RestTemplateXhrTransport;
import org.springframework.web.socket.sockjs.client.SockJsClient;
import org.springframework.web.socket.sockjs.client.Transport;
import org.springframework.web.socket.sockjs.client.TransportRequest;
import org.springframework.web.socket.sockjs.client.WebSocketTransport;
import org.springframework.web.socket.sockjs.transport.TransportType;

/**
 * Delivery latency by transport, side by side: the same messages to recipients on every
 * transport at the same time. Each group conversation has a sender (native WebSocket) and
 * one recipient per transport — native WebSocket at {@code /ws}, and SockJS at
 * {@code /sockjs} restricted to its websocket, xhr-streaming or xhr-polling (long
 * polling) transport — so every message is delivered once over each, through the same
 * stack at the same moment. Sends are open loop at {@code rates} (its first value) for
 * {@code step-seconds} after a {@code warmup-seconds} warm-up; latency counts from the
 * scheduled send time to the recipient's frame. {@code clients} / 5 groups.
 */
final class TransportRun implements LoadClient.Frames {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	static final List<String> TRANSPORTS = List.of("websocket (/ws)", "sockjs websocket", "sockjs xhr-streaming",
			"sockjs xhr-polling");

	private static final String MEASURED = "t-";

	private final ChatLoad load;

	private final Options options;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final Map<LoadClient, String> transportOf = new ConcurrentHashMap<>();

	private final Map<String, Latencies> latencies = new ConcurrentHashMap<>();

	private final Map<String, LongAdder> received = new ConcurrentHashMap<>();

	private final LongAdder errors = new LongAdder();

	/** Each measured message counted once per recipient (the last hop may repeat one). */
	private final java.util.Set<String> seen = ConcurrentHashMap.newKeySet();

	private final LongAdder repeated = new LongAdder();

	private volatile boolean measuring;

	TransportRun(ChatLoad load, Options options) {
		this.load = load;
		this.options = options;
	}

	int run() throws Exception {
		int groups = Math.max(1, this.options.integer("clients") / (TRANSPORTS.size() + 1));
		List<String> users = this.load.users(groups * (TRANSPORTS.size() + 1));
		URI ws = URI.create(this.options.get("gateway"));
		URI sockJs = URI.create(this.options.get("sockjs").isEmpty()
				? this.options.get("gateway").replaceFirst("^ws", "http").replaceFirst("/ws$", "/sockjs")
				: this.options.get("sockjs"));
		Map<String, WebSocketStompClient> stomp = new LinkedHashMap<>();
		stomp.put(TRANSPORTS.get(0), stompClient(new StandardWebSocketClient()));
		stomp.put(TRANSPORTS.get(1), stompClient(sockJs(TransportType.WEBSOCKET)));
		stomp.put(TRANSPORTS.get(2), stompClient(sockJs(TransportType.XHR_STREAMING)));
		stomp.put(TRANSPORTS.get(3), stompClient(sockJs(TransportType.XHR)));
		TRANSPORTS.forEach((name) -> {
			this.latencies.put(name, new Latencies());
			this.received.put(name, new LongAdder());
		});

		List<LoadClient> senders = new ArrayList<>();
		List<String> conversations = new ArrayList<>();
		List<LoadClient> all = new ArrayList<>();
		for (int g = 0; g < groups; g++) {
			List<String> members = users.subList(g * (TRANSPORTS.size() + 1), (g + 1) * (TRANSPORTS.size() + 1));
			conversations.add(createGroup(members));
			LoadClient sender = new LoadClient(members.get(0), this);
			senders.add(sender);
			all.add(sender);
			for (int t = 0; t < TRANSPORTS.size(); t++) {
				LoadClient recipient = new LoadClient(members.get(t + 1), this);
				this.transportOf.put(recipient, TRANSPORTS.get(t));
				all.add(recipient);
			}
		}
		// One at a time, each tried up to three times: a loaded machine drops the odd
		// SockJS session opened among a hundred at once, and this run is about latency,
		// not connect storms.
		for (int i = 0; i < all.size(); i++) {
			LoadClient client = all.get(i);
			String transport = this.transportOf.getOrDefault(client, TRANSPORTS.get(0));
			URI uri = transport.startsWith("sockjs") ? sockJs : ws;
			for (int attempt = 1;; attempt++) {
				try {
					client
						.connect(stomp.get(transport), uri, new WebSocketHttpHeaders(), this.load.token(client.user),
								60)
						.join();
					break;
				}
				catch (RuntimeException ex) {
					if (attempt == 3) {
						throw ex;
					}
					System.out.println("connect " + client.user + " over " + transport + " failed (" + ex.getMessage()
							+ "), again");
					client = new LoadClient(client.user, this);
					if (this.transportOf.containsKey(all.get(i))) {
						this.transportOf.remove(all.get(i));
						this.transportOf.put(client, transport);
					}
					else {
						senders.set(senders.indexOf(all.get(i)), client);
					}
					all.set(i, client);
				}
			}
		}
		System.out.printf("%d groups of %d connected: a sender on /ws and one recipient on each of %s%n", groups,
				TRANSPORTS.size() + 1, TRANSPORTS);

		int rate = Integer.parseInt(this.options.list("rates").get(0));
		// Warm-up messages are stamped "w-": one arriving late is not measured (it could
		// end the drain early before 2026-12-07).
		send(senders, conversations, rate, this.options.integer("warmup-seconds"), "w-");
		Thread.sleep(2000);
		this.latencies.replaceAll((name, old) -> new Latencies());
		this.received.replaceAll((name, old) -> new LongAdder());
		this.errors.reset();
		this.measuring = true;
		long sent = send(senders, conversations, rate, this.options.integer("step-seconds"), MEASURED);
		long deadline = System.nanoTime() + this.options.integer("drain-seconds") * 1_000_000_000L;
		while (System.nanoTime() < deadline && this.received.values().stream().anyMatch((n) -> n.sum() < sent)) {
			Thread.sleep(50);
		}
		print(rate, sent);
		all.forEach(LoadClient::close);
		return 0;
	}

	private String createGroup(List<String> members) throws Exception {
		String body = JSON.writeValueAsString(Map.of("type", "group", "members", members.subList(1, members.size())));
		HttpRequest request = HttpRequest.newBuilder(URI.create(this.options.get("messages") + "/api/v1/conversations"))
			.header("Authorization", "Bearer " + this.load.token(members.get(0)))
			.header("Content-Type", "application/json")
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() / 100 != 2) {
			throw new IllegalStateException("create conversation: " + response.statusCode() + " " + response.body());
		}
		return JSON.readTree(response.body()).get("id").asString();
	}

	/** Open loop: the i-th send is due at start + i / rate, round robin over groups. */
	private long send(List<LoadClient> senders, List<String> conversations, int rate, int seconds, String phase) {
		long count = (long) rate * seconds;
		double interval = 1e9 / rate;
		long start = System.nanoTime() + 1_000_000;
		long sent = 0;
		for (long i = 0; i < count; i++) {
			long due = start + (long) (i * interval);
			long wait;
			while ((wait = due - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			int g = (int) (i % senders.size());
			String stamp = phase + (due - ChatLoad.ORIGIN);
			if (senders.get(g).sendMessage(conversations.get(g), stamp + "-" + i, stamp + " transport comparison")) {
				sent++;
			}
		}
		return sent;
	}

	@Override
	public void message(LoadClient client, JsonNode frame, long receivedNanos) {
		String transport = this.transportOf.get(client);
		if (transport == null || !this.measuring) {
			return;
		}
		String body = frame.path("body").asString("");
		if (!body.startsWith(MEASURED)) {
			return;
		}
		if (!this.seen.add(transport + "|" + client.user + "|" + body)) {
			this.repeated.increment();
			return;
		}
		long due = ChatLoad.ORIGIN + Long.parseLong(body, 2, body.indexOf(' '), 10);
		this.latencies.get(transport).add(receivedNanos - due);
		this.received.get(transport).increment();
	}

	@Override
	public void ack(LoadClient client, JsonNode frame, long receivedNanos) {
	}

	@Override
	public void error(LoadClient client, JsonNode frame, long receivedNanos) {
		this.errors.increment();
	}

	private void print(int rate, long sent) {
		System.out.println();
		System.out.printf("## delivery latency by transport (%d msg/s for %s s, every message to one recipient per"
				+ " transport; from the scheduled send time)%n%n", rate, this.options.get("step-seconds"));
		System.out
			.println("| transport | received | of | p50 ms | p90 ms | p99 ms | max ms | p50 vs /ws | p99 vs /ws |");
		System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
		long[] base = this.latencies.get(TRANSPORTS.get(0)).sorted();
		for (String transport : TRANSPORTS) {
			long[] sorted = this.latencies.get(transport).sorted();
			System.out.printf("| %s | %d | %d | %s | %s | %s | %s | %.2f× | %.2f× |%n", transport,
					this.received.get(transport).sum(), sent, ChatLoad.millis(Latencies.millis(sorted, 0.5)),
					ChatLoad.millis(Latencies.millis(sorted, 0.9)), ChatLoad.millis(Latencies.millis(sorted, 0.99)),
					ChatLoad.millis(Latencies.millis(sorted, 1.0)),
					Latencies.millis(sorted, 0.5) / Latencies.millis(base, 0.5),
					Latencies.millis(sorted, 0.99) / Latencies.millis(base, 0.99));
		}
		System.out
			.println("errors: " + this.errors.sum() + "; repeated deliveries (not counted): " + this.repeated.sum());
	}

	private static WebSocketStompClient stompClient(WebSocketClient transport) {
		WebSocketStompClient client = new WebSocketStompClient(new SerializedWrites(transport));
		client.setMessageConverter(new SimpleMessageConverter());
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(1);
		scheduler.initialize();
		client.setTaskScheduler(scheduler);
		client.setDefaultHeartbeat(new long[] { 10_000, 10_000 });
		return client;
	}

	/** A SockJS client allowed exactly one transport (no fallback to another). */
	private static SockJsClient sockJs(TransportType only) {
		Transport delegate = (only == TransportType.WEBSOCKET) ? new WebSocketTransport(new StandardWebSocketClient())
				: new RestTemplateXhrTransport();
		return new SockJsClient(List.of(new Transport() {

			@Override
			public List<TransportType> getTransportTypes() {
				return List.of(only);
			}

			@Override
			public CompletableFuture<WebSocketSession> connectAsync(TransportRequest request,
					WebSocketHandler handler) {
				return delegate.connectAsync(request, handler);
			}

		}));
	}

}
