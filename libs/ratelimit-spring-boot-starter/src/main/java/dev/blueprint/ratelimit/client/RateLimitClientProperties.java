package dev.blueprint.ratelimit.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.core.rules.RuleSpec;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The client starter's configuration, under {@code blueprint.ratelimit.client}.
 *
 * @param mode {@code embedded} (default: run the scripts against
 * {@code spring.data.redis.*}) or {@code remote} (call rate-limiter-service)
 * @param rules embedded mode: the rules, same format as the service's
 * @param instances embedded mode: instances of this application, for the {@code local}
 * failure policy (default 1)
 * @param serviceUrl remote mode: where rate-limiter-service listens
 * @param serviceToken remote mode: bearer token for the service; without one the
 * request's own Authorization header is forwarded
 * @param remoteFailure remote mode: {@code open} (default) or {@code closed} when the
 * service cannot be reached
 * @param timeout how long a decision may take (default 250ms)
 * @param remoteOpenFor remote mode: how long the circuit breaker stays open, deciding by
 * {@code remoteFailure} without calling, once half the recent calls failed (default 5s)
 * @param redisOpenFor embedded mode: how long the circuit breaker in front of Redis stays
 * open, deciding by each rule's failure policy without calling, once half the calls of
 * the last 2 s failed (default 1s, as rate-limiter-service)
 * @param trustedProxies peers whose X-Forwarded-For is believed: addresses and CIDR
 * ranges ({@code 10.0.0.0/8}); checked at start-up, blank entries dropped
 * @param filter path patterns limited by the servlet filter
 */
@ConfigurationProperties("blueprint.ratelimit.client")
public record RateLimitClientProperties(@DefaultValue("embedded") String mode, List<RuleSpec> rules,
		@DefaultValue("1") int instances, @DefaultValue("http://localhost:8082") URI serviceUrl, String serviceToken,
		@DefaultValue("open") String remoteFailure, @DefaultValue("250ms") Duration timeout,
		@DefaultValue("5s") Duration remoteOpenFor, @DefaultValue("1s") Duration redisOpenFor,
		List<String> trustedProxies, List<FilterRule> filter) {

	public RateLimitClientProperties {
		// zero would be no timeout at all for Lettuce: a hung Redis would hang requests
		requirePositive("timeout", timeout);
		requirePositive("remote-open-for", remoteOpenFor);
		requirePositive("redis-open-for", redisOpenFor);
		// Anything but "closed" used to fail open: "fail-closed" (how rule policies are
		// spelled) or "deny" left users unlimited.
		if (!"open".equalsIgnoreCase(remoteFailure) && !"closed".equalsIgnoreCase(remoteFailure)) {
			throw new IllegalArgumentException(
					"blueprint.ratelimit.client.remote-failure must be 'open' or 'closed', was '" + remoteFailure
							+ "'");
		}
		rules = (rules != null) ? rules : List.of();
		// an empty environment variable binds as one blank entry
		trustedProxies = (trustedProxies != null)
				? trustedProxies.stream().map(String::strip).filter((proxy) -> !proxy.isEmpty()).toList() : List.of();
		TrustedProxies.of(trustedProxies);
		filter = (filter != null) ? filter : List.of();
	}

	private static void requirePositive(String name, Duration value) {
		if (value.toMillis() < 1) {
			throw new IllegalArgumentException(
					"blueprint.ratelimit.client." + name + " must be at least 1ms, was " + value);
		}
	}

	/**
	 * @param path Ant-style path pattern, e.g. {@code /api/v1/urls/**}
	 * @param method HTTP method, or any when unset
	 * @param rule the rule
	 * @param subject how the subject is found (default user, else IP)
	 * @param header the header for {@code subject: header}
	 */
	public record FilterRule(String path, String method, String rule, @DefaultValue("USER_OR_IP") Subject subject,
			String header) {

	}

}
