package dev.blueprint.notification.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP server standing in for a push endpoint. Each user's requests follow a
 * script (answer a status, or hang until released); unscripted requests get 200. Every
 * request is recorded with its arrival time and its answer.
 */
public final class WebhookReceiver implements AutoCloseable {

	/** A status to answer, or {@link #HANG} or {@link #HANG_THEN_REFUSE}. */
	public static final int HANG = -1;

	/** Hang until released, then answer 400. */
	public static final int HANG_THEN_REFUSE = -2;

	private final HttpServer server;

	private final JsonMapper json = JsonMapper.builder().build();

	private final Map<String, Deque<Integer>> scripts = new ConcurrentHashMap<>();

	private final Map<String, Integer> always = new ConcurrentHashMap<>();

	private final List<Received> received = new CopyOnWriteArrayList<>();

	private final AtomicInteger hanging = new AtomicInteger();

	private volatile CountDownLatch release = new CountDownLatch(1);

	/** A request: when it arrived, what it carried, how it was answered. */
	public record Received(Instant at, Push push, int status) {
	}

	public WebhookReceiver() {
		try {
			this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.server.createContext("/push", this::handle);
		this.server.setExecutor(Executors.newCachedThreadPool());
		this.server.start();
	}

	public String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/push";
	}

	/** The user's next requests are answered with these statuses, in order. */
	public void script(String userId, Integer... statuses) {
		this.scripts.put(userId, new ArrayDeque<>(List.of(statuses)));
	}

	/** Every request of the user is answered this way. */
	public void always(String userId, int status) {
		this.always.put(userId, status);
	}

	/** Forgets the user's script: their requests get 200 again. */
	public void forget(String userId) {
		this.always.remove(userId);
		this.scripts.remove(userId);
	}

	/**
	 * Lets every hanging request finish (with 200, or 400 for {@link #HANG_THEN_REFUSE}).
	 */
	public void releaseHanging() {
		this.release.countDown();
		this.release = new CountDownLatch(1);
	}

	/** Requests hanging right now. */
	public int hanging() {
		return this.hanging.get();
	}

	public List<Received> receivedFor(String userId) {
		return this.received.stream().filter((r) -> r.push().userId().equals(userId)).toList();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			Push push = this.json.readValue(exchange.getRequestBody().readAllBytes(), Push.class);
			int status = next(push.userId());
			if (status == HANG || status == HANG_THEN_REFUSE) {
				this.hanging.incrementAndGet();
				this.received.add(new Received(Instant.now(), push, status));
				try {
					this.release.await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				finally {
					this.hanging.decrementAndGet();
				}
				status = (status == HANG) ? 200 : 400;
			}
			else {
				this.received.add(new Received(Instant.now(), push, status));
			}
			byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(status, body.length);
			exchange.getResponseBody().write(body);
		}
	}

	private int next(String userId) {
		Integer fixed = this.always.get(userId);
		if (fixed != null) {
			return fixed;
		}
		Deque<Integer> script = this.scripts.get(userId);
		Integer status = (script != null) ? script.poll() : null;
		return (status != null) ? status : 200;
	}

	@Override
	public void close() {
		releaseHanging();
		this.server.stop(0);
	}

}
