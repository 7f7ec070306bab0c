package dev.blueprint.ratelimit.core;

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
 * A limit's quota is its capacity: the window's permits, or a token bucket's burst.
 * Policies are named after the rule, with {@code .2}, {@code .3}... for a rule's further
 * limits.
 */
public final class RateLimitHeaders {

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
			policies.add("\"" + name + "\";q=" + outcome.limit().capacity() + ";w="
					+ seconds(outcome.limit().window().toMillis()));
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

	/** Milliseconds rounded up to whole seconds, as the headers need. */
	public static long seconds(long millis) {
		return (millis + 999) / 1000;
	}

}
