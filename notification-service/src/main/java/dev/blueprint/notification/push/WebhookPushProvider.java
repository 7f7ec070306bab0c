package dev.blueprint.notification.push;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import tools.jackson.databind.json.JsonMapper;

/**
 * POSTs each push as JSON ({@link Push}) to a configured URL, behind a circuit breaker. A
 * 2xx is delivered. A timeout, a connection failure, a 408, a 429 or a 5xx is worth
 * retrying and counts as a failure for the breaker; any other status is a refusal that
 * retrying cannot fix (dead-lettered at once), and shows the endpoint is up. While the
 * breaker is open a push is not sent ({@link PushException#notSent}: no request, and not
 * an attempt), to be tried again once the breaker lets calls through: when it is due to
 * half-open, or in {@value #HALF_OPEN_RETRY_MILLIS} ms while its trial calls decide.
 */
public class WebhookPushProvider implements PushProvider {

	static final long HALF_OPEN_RETRY_MILLIS = 1000;

	/** When the breaker last opened (its clock), to tell how long it stays open. */
	private final AtomicReference<Instant> openedAt = new AtomicReference<>(Instant.MIN);

	private final HttpClient http;

	private final URI url;

	private final Duration timeout;

	private final CircuitBreaker breaker;

	private final JsonMapper json = JsonMapper.builder().build();

	public WebhookPushProvider(URI url, Duration connectTimeout, Duration timeout, CircuitBreaker breaker) {
		this.url = url;
		this.timeout = timeout;
		this.breaker = breaker;
		this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
		breaker.getEventPublisher().onStateTransition((event) -> {
			if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
				this.openedAt.set(event.getCreationTime().toInstant());
			}
		});
	}

	@Override
	public String name() {
		return "webhook";
	}

	public CircuitBreaker circuitBreaker() {
		return this.breaker;
	}

	@Override
	public void send(Push push) throws PushException {
		if (!this.breaker.tryAcquirePermission()) {
			throw PushException.notSent("not sent: circuit breaker " + this.breaker.getState(), untilPermitted());
		}
		HttpRequest request = HttpRequest.newBuilder(this.url)
			.timeout(this.timeout)
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", push.notificationId() + ":" + push.latestSeq())
			.POST(HttpRequest.BodyPublishers.ofString(this.json.writeValueAsString(push)))
			.build();
		long start = System.nanoTime();
		// The whole exchange within the timeout: Java 17's request timeout ends once the
		// headers arrive, and a body that stalls after them would hold this thread
		CompletableFuture<HttpResponse<Void>> exchange;
		try {
			exchange = this.http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
		}
		catch (RuntimeException ex) {
			this.breaker.releasePermission();
			throw ex;
		}
		try {
			HttpResponse<Void> response = exchange.get(this.timeout.toNanos(), TimeUnit.NANOSECONDS);
			int status = response.statusCode();
			if (status >= 200 && status < 300) {
				this.breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
				return;
			}
			if (status == 408 || status == 429 || status >= 500) {
				PushException failure = new PushException("webhook answered " + status, true);
				this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
				throw failure;
			}
			this.breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			throw new PushException("webhook refused the push with " + status, false);
		}
		catch (TimeoutException ex) {
			exchange.cancel(true);
			PushException failure = new PushException("webhook timed out after " + this.timeout, true);
			this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
			throw failure;
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof IOException failure) {
				this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
				String what = (failure instanceof HttpTimeoutException) ? "timed out: " : "unreachable: ";
				throw new PushException("webhook " + what + failure, true);
			}
			// Not the endpoint's doing (a bug here): given up, as before
			this.breaker.releasePermission();
			throw (ex.getCause() instanceof RuntimeException failure) ? failure : new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			exchange.cancel(true);
			this.breaker.releasePermission();
			Thread.currentThread().interrupt();
			throw new PushException("interrupted", true);
		}
	}

	/**
	 * How long until the breaker lets a call through: the rest of its open period, or a
	 * short wait while it is half-open (its trial calls are taken).
	 */
	Duration untilPermitted() {
		if (this.breaker.getState() == CircuitBreaker.State.OPEN) {
			long openFor = this.breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
			Duration rest = Duration.between(Instant.now(), this.openedAt.get().plusMillis(openFor));
			if (rest.toMillis() > HALF_OPEN_RETRY_MILLIS) {
				return rest;
			}
		}
		return Duration.ofMillis(HALF_OPEN_RETRY_MILLIS);
	}

}
