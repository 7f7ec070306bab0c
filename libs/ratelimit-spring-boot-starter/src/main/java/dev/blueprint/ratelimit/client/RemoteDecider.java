package dev.blueprint.ratelimit.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks rate-limiter-service ({@code POST /api/v1/ratelimit/check}) and passes its headers
 * on unchanged. Authenticates with the configured service token, else with the request's
 * own bearer token. When the service cannot be reached in time, or answers 5xx, the
 * request is admitted or denied as {@code remote-failure} says; so is it when the service
 * refuses the credentials (401, 403: a caller without a token, with an expired one, or a
 * service token it does not accept), which before 2026-12-06 became a 500 for the caller.
 * A circuit breaker (Resilience4j) counts those failures: once half of the last 20 calls
 * (at least 10) failed it opens, and for {@code openFor} every decision takes the failure
 * policy at once instead of waiting out a timeout per request; then a few trial calls
 * decide whether it closes again.
 */
public class RemoteDecider implements RateLimitDecider {

	private static final List<String> HEADERS = List.of("RateLimit-Policy", "RateLimit", "X-RateLimit-Limit",
			"X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After");

	private static final Pattern RETRY_AFTER = Pattern.compile("\"retryAfterSeconds\"\\s*:\\s*(\\d+)");

	private final HttpClient http;

	private final URI checkUri;

	private final String serviceToken;

	private final Duration timeout;

	private final boolean failOpen;

	private final long retryAfterSeconds;

	private final AtomicLong credentialsRefusedLoggedAt = new AtomicLong();

	private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofMinutes(1);

	private static final Logger logger = LoggerFactory.getLogger(RemoteDecider.class);

	private final CircuitBreakerRegistry breakers;

	private final CircuitBreaker breaker;

	public RemoteDecider(URI serviceUrl, String serviceToken, Duration timeout, boolean failOpen) {
		this(serviceUrl, serviceToken, timeout, failOpen, Duration.ofSeconds(5));
	}

	public RemoteDecider(URI serviceUrl, String serviceToken, Duration timeout, boolean failOpen, Duration openFor) {
		this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(20)
			.minimumNumberOfCalls(10)
			.failureRateThreshold(50)
			.waitDurationInOpenState(openFor)
			.permittedNumberOfCallsInHalfOpenState(3)
			.build());
		this.breaker = this.breakers.circuitBreaker("rate-limiter-service");
		this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
		this.checkUri = serviceUrl.resolve("/api/v1/ratelimit/check");
		this.serviceToken = serviceToken;
		this.timeout = timeout;
		this.failOpen = failOpen;
		this.retryAfterSeconds = Math.max(1, (openFor.toMillis() + 999) / 1000);
	}

	@Override
	public Verdict decide(String rule, String subject, long cost, String authorization) {
		String body = "{\"rule\":" + quote(rule) + ",\"subject\":" + quote(subject) + ",\"cost\":" + cost + "}";
		HttpRequest.Builder request = HttpRequest.newBuilder(this.checkUri)
			.timeout(this.timeout)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body));
		// The caller's own credentials only when they are a bearer token: a Basic header
		// would hand a user's password to another service.
		String token = (this.serviceToken != null && !this.serviceToken.isEmpty()) ? "Bearer " + this.serviceToken
				: (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) ? authorization
						: null;
		if (token != null) {
			request.header("Authorization", token);
		}
		if (!this.breaker.tryAcquirePermission()) {
			return unreachable(rule);
		}
		long start = System.nanoTime();
		try {
			HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() >= 500) {
				this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS,
						new IllegalStateException("rate-limiter-service answered " + response.statusCode()));
				return unreachable(rule);
			}
			// Any other answer means the service is there, even a refusal of this check.
			this.breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			if (response.statusCode() == 401 || response.statusCode() == 403) {
				long now = System.nanoTime();
				long last = this.credentialsRefusedLoggedAt.get();
				if ((last == 0 || now - last >= REFUSAL_LOG_INTERVAL.toNanos())
						&& this.credentialsRefusedLoggedAt.compareAndSet(last, now)) {
					logger.warn("rate-limiter-service refused the credentials of a check ({}): such checks take the "
							+ "remote-failure policy ({}). Configure a service token (service-token) it accepts; "
							+ "logged at most once a minute", response.statusCode(),
							this.failOpen ? "open: not limited" : "closed: denied");
				}
				return unreachable(rule);
			}
			if (response.statusCode() != 200 && response.statusCode() != 429) {
				throw new IllegalStateException("rate-limiter-service answered " + response.statusCode() + " for rule '"
						+ rule + "': " + response.body());
			}
			Map<String, String> headers = new LinkedHashMap<>();
			for (String name : HEADERS) {
				response.headers().firstValue(name).ifPresent((value) -> headers.put(name, value));
			}
			boolean allowed = response.statusCode() == 200;
			Matcher retry = RETRY_AFTER.matcher(response.body());
			long retryAfter = (!allowed && retry.find()) ? Long.parseLong(retry.group(1)) : 0;
			return new Verdict(allowed, rule, retryAfter, headers);
		}
		catch (java.io.IOException ex) {
			this.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, ex);
			return unreachable(rule);
		}
		catch (InterruptedException ex) {
			this.breaker.releasePermission();
			Thread.currentThread().interrupt();
			return unreachable(rule);
		}
	}

	/** The breaker in front of the service. */
	public CircuitBreaker circuitBreaker() {
		return this.breaker;
	}

	/** The registry holding it, for binding its metrics. */
	public CircuitBreakerRegistry circuitBreakers() {
		return this.breakers;
	}

	/**
	 * The failure policy's verdict. Closed, it asks the client to come back once the
	 * breaker may let a trial call through ({@code openFor}, at least 1 s): sooner, the
	 * retry is refused the same way.
	 */
	private Verdict unreachable(String rule) {
		return this.failOpen ? new Verdict(true, rule, 0, Map.of()) : new Verdict(false, rule, this.retryAfterSeconds,
				Map.of("Retry-After", Long.toString(this.retryAfterSeconds)));
	}

	private static String quote(String value) {
		StringBuilder quoted = new StringBuilder("\"");
		for (char c : value.toCharArray()) {
			switch (c) {
				case '"' -> quoted.append("\\\"");
				case '\\' -> quoted.append("\\\\");
				default -> {
					if (c < 0x20) {
						quoted.append(String.format("\\u%04x", (int) c));
					}
					else {
						quoted.append(c);
					}
				}
			}
		}
		return quoted.append('"').toString();
	}

}
