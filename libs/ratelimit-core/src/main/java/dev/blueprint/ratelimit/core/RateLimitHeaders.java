package dev.blueprint.ratelimit.core;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The response headers of a limited request, the same from the service and the starter:
 * the IETF draft's {@code RateLimit-Policy} / {@code RateLimit}
 * (draft-ietf-httpapi-ratelimit-headers), the common {@code X-RateLimit-Limit},
 * {@code -Remaining} and {@code -Reset} (seconds from now), and {@code Retry-After}
 * (seconds) when denied.
 * <p>
 * A policy item says {@code q} units per {@code w} seconds. A window's is its permits per
 * its window. A token bucket's is its burst per the time the burst takes to refill
 * ({@code burst × window ÷ permits}, rounded up): {@code q=20;w=4} for 5/s with bursts of
 * 20. Its burst per its window ({@code q=20;w=1}) would promise four times the rate it
 * sustains; the burst per refill time holds for any client that keeps to it, and keeps
 * {@code RateLimit}'s {@code r} (tokens left) within {@code q} and {@code t} (until full)
 * within {@code w}. Policies are named after the rule, with {@code .2}, {@code .3}... for
 * a rule's further limits.
 */
public final class RateLimitHeaders {

	/** The largest integer a Structured Field (RFC 8941) may hold. */
	private static final BigInteger MAX_INTEGER = BigInteger.valueOf(999_999_999_999_999L);

	private RateLimitHeaders() {
	}

	/**
	 * @param rule the rule's name
	 * @param decision the decision
	 * @param allowed what the caller was told (shadow rules admit denied requests)
	 * @return header name to value, in a stable order
	 */
	public static Map<String, String> of(String rule, Decision decision, boolean allowed) {
		Map<String, String> headers = new LinkedHashMap<>();
		List<String> policies = new ArrayList<>();
		List<LimitOutcome> outcomes = decision.outcomes();
		LimitOutcome binding = decision.binding();
		String bindingName = rule;
		for (int i = 0; i < outcomes.size(); i++) {
			LimitOutcome outcome = outcomes.get(i);
			String name = (i == 0) ? rule : rule + "." + (i + 1);
			if (outcome == binding) {
				bindingName = name;
			}
			policies.add("\"" + name + "\";q=" + outcome.limit().capacity() + ";w=" + windowSeconds(outcome.limit()));
		}
		headers.put("RateLimit-Policy", String.join(", ", policies));
		headers.put("RateLimit",
				"\"" + bindingName + "\";r=" + binding.remaining() + ";t=" + seconds(binding.resetMillis()));
		headers.put("X-RateLimit-Limit", Long.toString(binding.limit().capacity()));
		headers.put("X-RateLimit-Remaining", Long.toString(binding.remaining()));
		headers.put("X-RateLimit-Reset", Long.toString(seconds(binding.resetMillis())));
		if (!allowed) {
			headers.put("Retry-After", Long.toString(Math.max(1, seconds(decision.retryAfterMillis()))));
		}
		return headers;
	}

	/**
	 * The policy's {@code w}: the window, or for a token bucket the time its burst takes
	 * to refill, in seconds rounded up. In big integers, as a burst of 10^12 refilled at
	 * 1 per year overflows a long; capped at the largest Structured Fields integer.
	 */
	static long windowSeconds(Limit limit) {
		long millis = limit.window().toMillis();
		if (limit.algorithm() != Algorithm.TOKEN_BUCKET || limit.burst() == limit.permits()) {
			return seconds(millis);
		}
		BigInteger[] division = BigInteger.valueOf(limit.burst())
			.multiply(BigInteger.valueOf(millis))
			.divideAndRemainder(BigInteger.valueOf(limit.permits()).multiply(BigInteger.valueOf(1000)));
		BigInteger seconds = (division[1].signum() > 0) ? division[0].add(BigInteger.ONE) : division[0];
		return seconds.min(MAX_INTEGER).longValueExact();
	}

	/** Milliseconds rounded up to whole seconds, as the headers need. */
	public static long seconds(long millis) {
		return (millis + 999) / 1000;
	}

}
