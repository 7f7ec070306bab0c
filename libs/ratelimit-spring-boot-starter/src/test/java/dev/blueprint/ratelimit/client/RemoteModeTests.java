package dev.blueprint.ratelimit.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
		assertThat(closed.headers()).as("the breaker's default 5 s open, not 1 s: sooner is refused again")
			.containsEntry("Retry-After", "5");
		assertThat(closed.retryAfterSeconds()).isEqualTo(5);
		Verdict shortOpen = new RemoteDecider(nowhere, null, Duration.ofMillis(200), false, Duration.ofMillis(300))
			.decide("create", "s", 1, null);
		assertThat(shortOpen.headers()).containsEntry("Retry-After", "1");
	}

	@Test
	void forwardsTheCallersCredentialsOnlyWhenTheyAreABearerToken() {
		RemoteDecider decider = new RemoteDecider(URI.create("http://127.0.0.1:" + this.server.getAddress().getPort()),
				null, Duration.ofSeconds(2), true);
		decider.decide("create", "user:alice", 1, "Basic YWxpY2U6c2VjcmV0");
		decider.decide("create", "user:alice", 1, "bearer caller-token");
		assertThat(this.authorizations).containsExactly(null, "bearer caller-token");
	}

	@Test
	void anUnresponsiveServiceOpensTheBreakerSoDecisionsStopWaitingAndItClosesWhenTheServiceAnswers() throws Exception {
		AtomicBoolean hang = new AtomicBoolean(true);
		HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		slow.setExecutor(Executors.newCachedThreadPool());
		slow.createContext("/api/v1/ratelimit/check", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			if (hang.get()) {
				sleep(Duration.ofSeconds(2));
			}
			byte[] body = "{\"allowed\":true}".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		slow.start();
		try {
			Duration timeout = Duration.ofMillis(300);
			RemoteDecider decider = new RemoteDecider(URI.create("http://127.0.0.1:" + slow.getAddress().getPort()),
					null, timeout, false, Duration.ofMillis(500));
			// Ten timeouts in a row (the breaker's minimum number of calls) open it.
			for (int i = 0; i < 10; i++) {
				long start = System.nanoTime();
				assertThat(decider.decide("create", "s", 1, null).allowed()).isFalse();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(timeout);
			}
			assertThat(decider.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
			// Open: the failure policy (closed here) at once, without calling the
			// service.
			long start = System.nanoTime();
			for (int i = 0; i < 100; i++) {
				Verdict denied = decider.decide("create", "s", 1, null);
				assertThat(denied.allowed()).isFalse();
				assertThat(denied.headers()).containsEntry("Retry-After", "1");
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout);
			assertThat(decider.circuitBreaker().getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(100);
			// The service answers again: after the open period, trial calls close the
			// breaker.
			hang.set(false);
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (decider.circuitBreaker().getState() != CircuitBreaker.State.CLOSED && System.nanoTime() < deadline) {
				decider.decide("create", "s", 1, null);
				sleep(Duration.ofMillis(50));
			}
			assertThat(decider.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
			// Closed again: the service decides (the failure policy here would deny).
			assertThat(decider.decide("create", "s", 1, null).allowed()).isTrue();
		}
		finally {
			slow.stop(0);
		}
	}

	/**
	 * A caller without a token (or an expired one), its own forwarded: the service
	 * answers 401. That check takes the failure policy; it was a 500 for the caller.
	 */
	@Test
	void refusedCredentialsTakeTheFailurePolicyAndDoNotCountAgainstTheService() throws IOException {
		HttpServer refusing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		refusing.createContext("/api/v1/ratelimit/check", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			exchange.sendResponseHeaders(exchange.getRequestHeaders().containsKey("Authorization") ? 403 : 401, -1);
			exchange.close();
		});
		refusing.start();
		try {
			URI url = URI.create("http://127.0.0.1:" + refusing.getAddress().getPort());
			RemoteDecider open = new RemoteDecider(url, null, Duration.ofSeconds(2), true);
			assertThat(open.decide("create", "ip:203.0.113.9", 1, null).allowed()).isTrue();
			RemoteDecider closed = new RemoteDecider(url, null, Duration.ofSeconds(2), false);
			Verdict denied = closed.decide("create", "ip:203.0.113.9", 1, "Bearer expired");
			assertThat(denied.allowed()).isFalse();
			assertThat(denied.headers()).containsEntry("Retry-After", "5");
			assertThat(closed.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
		}
		finally {
			refusing.stop(0);
		}
	}

	@Test
	void aServerErrorCountsAsUnreachableAndTakesTheFailurePolicy() throws IOException {
		HttpServer broken = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		broken.createContext("/api/v1/ratelimit/check", (exchange) -> {
			exchange.getRequestBody().readAllBytes();
			exchange.sendResponseHeaders(503, -1);
			exchange.close();
		});
		broken.start();
		try {
			RemoteDecider decider = new RemoteDecider(URI.create("http://127.0.0.1:" + broken.getAddress().getPort()),
					null, Duration.ofSeconds(2), true);
			assertThat(decider.decide("create", "s", 1, null).allowed()).isTrue();
			assertThat(decider.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
		}
		finally {
			broken.stop(0);
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
