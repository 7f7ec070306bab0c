package dev.blueprint.notification.push;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The webhook provider against a real local HTTP server answering a set status. */
class WebhookPushProviderTests {

	/** A status that answers 200 with a length and then no body. */
	private static final int STALL_BODY = -1;

	private final AtomicInteger status = new AtomicInteger(200);

	private final CountDownLatch stalled = new CountDownLatch(1);

	private final AtomicInteger requests = new AtomicInteger();

	private final HttpServer server = start();

	private final CircuitBreaker breaker = CircuitBreaker.of("push-webhook",
			CircuitBreakerConfig.custom()
				.slidingWindowSize(4)
				.minimumNumberOfCalls(4)
				.failureRateThreshold(50)
				.waitDurationInOpenState(Duration.ofMinutes(1))
				.build());

	private final WebhookPushProvider provider = new WebhookPushProvider(
			URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/push"), Duration.ofSeconds(2),
			Duration.ofSeconds(5), this.breaker);

	private final Push push = new Push(UUID.randomUUID(), "bob", UUID.randomUUID(), 2, 3, 4, UUID.randomUUID(), "alice",
			"hi", "bob:x", Instant.EPOCH, Instant.EPOCH);

	private HttpServer start() {
		try {
			HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
			http.createContext("/push", (exchange) -> {
				try (exchange) {
					exchange.getRequestBody().readAllBytes();
					this.requests.incrementAndGet();
					if (this.status.get() == 0) {
						Thread.sleep(3000);
					}
					if (this.status.get() == STALL_BODY) {
						// 200 and a length, then no body until the test ends
						exchange.sendResponseHeaders(200, 10);
						exchange.getResponseBody().flush();
						this.stalled.await(30, TimeUnit.SECONDS);
						return;
					}
					exchange.sendResponseHeaders(Math.max(this.status.get(), 200), -1);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			http.start();
			return http;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@AfterEach
	void stop() {
		this.stalled.countDown();
		this.server.stop(0);
	}

	@Test
	void aResponseWhoseBodyStallsTimesOutLikeOneWithoutHeaders() {
		WebhookPushProvider slow = new WebhookPushProvider(
				URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/push"), Duration.ofSeconds(2),
				Duration.ofMillis(300), CircuitBreaker.ofDefaults("stalls"));
		this.status.set(STALL_BODY);
		// Java 17's request timeout ends with the headers: the body was awaited for as
		// long as the server held it, and four such pushes held every push thread
		assertTimeoutPreemptively(Duration.ofSeconds(10),
				() -> assertThatExceptionOfType(PushProvider.PushException.class).isThrownBy(() -> slow.send(this.push))
					.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
					.withMessageContaining("timed out"));
	}

	@Test
	void a2xxIsDelivered() throws Exception {
		this.provider.send(this.push);
		assertThat(this.requests).hasValue(1);
	}

	@Test
	void serverErrorsThrottlingAndTimeoutsAreWorthRetrying() {
		for (int code : new int[] { 500, 503, 429, 408 }) {
			this.status.set(code);
			assertThatExceptionOfType(PushProvider.PushException.class).isThrownBy(() -> this.provider.send(this.push))
				.satisfies((ex) -> assertThat(ex.retryable()).as("%d", code).isTrue());
		}
		CircuitBreaker fresh = CircuitBreaker.ofDefaults("timeouts");
		WebhookPushProvider slow = new WebhookPushProvider(
				URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/push"), Duration.ofSeconds(2),
				Duration.ofMillis(300), fresh);
		this.status.set(0);
		assertThatExceptionOfType(PushProvider.PushException.class).isThrownBy(() -> slow.send(this.push))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.withMessageContaining("timed out");
	}

	@Test
	void otherClientErrorsAreRefusalsThatRetryingCannotFix() {
		this.status.set(400);
		assertThatExceptionOfType(PushProvider.PushException.class).isThrownBy(() -> this.provider.send(this.push))
			.satisfies((ex) -> assertThat(ex.retryable()).isFalse());
		assertThat(this.breaker.getMetrics().getNumberOfFailedCalls()).isZero();
	}

	@Test
	void theBreakerOpensOnFailuresAndThenFailsAtOnceWithoutARequest() {
		this.status.set(500);
		for (int i = 0; i < 4; i++) {
			assertThatExceptionOfType(PushProvider.PushException.class).isThrownBy(() -> this.provider.send(this.push));
		}
		assertThat(this.breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
		assertThat(this.requests).hasValue(4);
		this.status.set(200);
		assertThatExceptionOfType(PushProvider.PushException.class).isThrownBy(() -> this.provider.send(this.push))
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue())
			.satisfies((ex) -> assertThat(ex.notSentRetryIn()).as("the rest of the minute the breaker stays open")
				.isBetween(Duration.ofSeconds(50), Duration.ofMinutes(1)))
			.withMessageContaining("OPEN");
		assertThat(this.requests).as("no request while open").hasValue(4);
		this.breaker.transitionToHalfOpenState();
		// its ten trial calls in flight
		for (int i = 0; i < 10; i++) {
			assertThat(this.breaker.tryAcquirePermission()).isTrue();
		}
		assertThatExceptionOfType(PushProvider.PushException.class).as("half-open, trial calls taken")
			.isThrownBy(() -> this.provider.send(this.push))
			.satisfies((ex) -> assertThat(ex.notSentRetryIn()).isEqualTo(Duration.ofSeconds(1)));
	}

}
