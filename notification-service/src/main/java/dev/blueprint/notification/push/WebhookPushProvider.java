package dev.blueprint.notification.push;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.PushDeadLettered.Push;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import tools.jackson.databind.json.JsonMapper;

/**
 * POSTs each push as JSON ({@link Push}) to a configured URL, behind a circuit breaker. A
 * 2xx is delivered. A timeout, a connection failure, a 408, a 429 or a 5xx is worth
 * retrying and counts as a failure for the breaker; any other status is a refusal that
 * retrying cannot fix (dead-lettered at once), and shows the endpoint is up. While the
 * breaker is open an attempt fails at once without a request.
 */
public class WebhookPushProvider implements PushProvider {

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
			throw new PushException("circuit breaker " + this.breaker.getState(), true);
		}
		HttpRequest request = HttpRequest.newBuilder(this.url)
			.timeout(this.timeout)
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", push.notificationId() + ":" + push.latestSeq())
			.POST(HttpRequest.BodyPublishers.ofString(this.json.writeValueAsString(push)))
			.build();
		long start = System.nanoTime();
		try {
			HttpResponse<Void> response = this.http.send(request, HttpResponse.BodyHandlers.discarding());
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
		catch (IOException ex) {
			this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, ex);
			throw new PushException("webhook unreachable: " + ex, true);
		}
		catch (InterruptedException ex) {
			this.breaker.releasePermission();
			Thread.currentThread().interrupt();
			throw new PushException("interrupted", true);
		}
	}

}
