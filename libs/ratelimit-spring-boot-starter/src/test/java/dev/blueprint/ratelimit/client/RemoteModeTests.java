package dev.blueprint.ratelimit.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The remote decider's side of the check API, against a local HTTP endpoint that answers
 * like rate-limiter-service (the real service is exercised by its own tests).
 */
class RemoteModeTests {

	private HttpServer server;

	private final List<String> requests = new ArrayList<>();

	private final List<String> authorizations = new ArrayList<>();

	private final AtomicInteger calls = new AtomicInteger();

	@BeforeEach
	void start() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.createContext("/api/v1/ratelimit/check", (exchange) -> {
			this.requests.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
			this.authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
			boolean allowed = this.calls.incrementAndGet() <= 1;
			exchange.getResponseHeaders().add("RateLimit-Policy", "\"create\";q=1;w=60");
			exchange.getResponseHeaders().add("RateLimit", "\"create\";r=0;t=42");
			if (!allowed) {
				exchange.getResponseHeaders().add("Retry-After", "42");
			}
			byte[] body = ("{\"allowed\":" + allowed + ",\"retryAfterSeconds\":" + (allowed ? 0 : 42) + "}")
				.getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(allowed ? 200 : 429, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop(0);
	}

	@Test
	void asksTheServiceAndPassesItsHeadersOn() {
		RemoteDecider decider = new RemoteDecider(URI.create("http://127.0.0.1:" + this.server.getAddress().getPort()),
				null, Duration.ofSeconds(2), true);

		Verdict allowed = decider.decide("create", "ip:203.0.113.7", 1, "Bearer caller-token");
		Verdict denied = decider.decide("create", "ip:203.0.113.7", 1, "Bearer caller-token");

		assertThat(this.requests.get(0)).isEqualTo("{\"rule\":\"create\",\"subject\":\"ip:203.0.113.7\",\"cost\":1}");
		assertThat(this.authorizations).containsOnly("Bearer caller-token");
		assertThat(allowed.allowed()).isTrue();
		assertThat(allowed.headers()).containsEntry("RateLimit", "\"create\";r=0;t=42")
			.doesNotContainKey("Retry-After");
		assertThat(denied.allowed()).isFalse();
		assertThat(denied.retryAfterSeconds()).isEqualTo(42);
		assertThat(denied.headers()).containsEntry("Retry-After", "42");
	}

	@Test
	void usesTheServiceTokenWhenConfigured() {
		new RemoteDecider(URI.create("http://127.0.0.1:" + this.server.getAddress().getPort()), "svc",
				Duration.ofSeconds(2), true)
			.decide("create", "user:\"quoted\"", 1, "Bearer caller-token");
		assertThat(this.authorizations).containsExactly("Bearer svc");
		assertThat(this.requests.get(0)).contains("\"subject\":\"user:\\\"quoted\\\"\"");
	}

	@Test
	void anUnreachableServiceFailsOpenOrClosedAsConfigured() {
		URI nowhere = URI.create("http://127.0.0.1:1");
		assertThat(
				new RemoteDecider(nowhere, null, Duration.ofMillis(200), true).decide("create", "s", 1, null).allowed())
			.isTrue();
		Verdict closed = new RemoteDecider(nowhere, null, Duration.ofMillis(200), false).decide("create", "s", 1, null);
		assertThat(closed.allowed()).isFalse();
		assertThat(closed.headers()).containsEntry("Retry-After", "1");
	}

}
