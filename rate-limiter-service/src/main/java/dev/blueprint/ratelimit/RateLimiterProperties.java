package dev.blueprint.ratelimit;

import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.core.rules.RuleSpec;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything the rate limiter is configured with, under {@code blueprint.ratelimit}.
 *
 * @param rules the rules (see the README's rule reference); validated at start-up, a bad
 * one fails it with a message naming the rule and the field
 * @param instances how many instances of the service run; the {@code local} failure
 * policy gives each one the rule's limits divided by this (default 1)
 * @param redisTimeout how long one decision may wait for Redis before it counts as failed
 * (default 250ms)
 * @param maxSubjectLength the longest subject accepted (default 256)
 * @param admins JWT subjects allowed to change rules at runtime (default {@code admin})
 * @param rulesReconcileInterval how often an instance re-reads the runtime rules in case
 * it missed a change message (default 5s; changes normally arrive by pub/sub at once)
 */
@ConfigurationProperties("blueprint.ratelimit")
public record RateLimiterProperties(List<RuleSpec> rules, @DefaultValue("1") int instances,
		@DefaultValue("250ms") Duration redisTimeout, @DefaultValue("256") int maxSubjectLength,
		@DefaultValue("admin") List<String> admins, @DefaultValue("5s") Duration rulesReconcileInterval) {

	public RateLimiterProperties {
		rules = (rules != null) ? List.copyOf(rules) : List.of();
		if (instances < 1) {
			throw new IllegalArgumentException("blueprint.ratelimit.instances must be at least 1, was " + instances);
		}
		// zero would be no timeout at all for Lettuce: a hung Redis would hang requests
		if (redisTimeout.toMillis() < 1) {
			throw new IllegalArgumentException(
					"blueprint.ratelimit.redis-timeout must be at least 1ms, was " + redisTimeout);
		}
	}

}
