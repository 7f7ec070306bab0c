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
 * (default 250ms, 1ms to 1m)
 * @param maxSubjectLength the longest subject accepted (default 256, at most 4,096)
 * @param admins JWT subjects allowed to change rules at runtime (default none: rule
 * changes are refused with 403 until some are listed; the local stack, compose and the
 * k8s dev component list {@code admin}). Blank entries are dropped.
 * @param rulesReconcileInterval how often an instance re-reads the runtime rules in case
 * it missed a change message (default 5s, 100ms to 1h; changes normally arrive by pub/sub
 * at once)
 */
@ConfigurationProperties("blueprint.ratelimit")
public record RateLimiterProperties(List<RuleSpec> rules, @DefaultValue("1") int instances,
		@DefaultValue("250ms") Duration redisTimeout, @DefaultValue("256") int maxSubjectLength, List<String> admins,
		@DefaultValue("5s") Duration rulesReconcileInterval) {

	public RateLimiterProperties {
		rules = (rules != null) ? List.copyOf(rules) : List.of();
		if (instances < 1) {
			throw new IllegalArgumentException("blueprint.ratelimit.instances must be at least 1, was " + instances);
		}
		// zero would be no timeout at all for Lettuce: a hung Redis would hang requests
		if (redisTimeout.toMillis() < 1 || redisTimeout.compareTo(MAX_REDIS_TIMEOUT) > 0) {
			throw new IllegalArgumentException(
					"blueprint.ratelimit.redis-timeout must be 1ms to 1m, was " + redisTimeout);
		}
		// 0 refused every check ("must be at most 0"); a subject is part of each Redis
		// key
		if (maxSubjectLength < 1 || maxSubjectLength > MAX_SUBJECT_LENGTH) {
			throw new IllegalArgumentException("blueprint.ratelimit.max-subject-length must be 1 to "
					+ MAX_SUBJECT_LENGTH + ", was " + maxSubjectLength);
		}
		// under 1ms the scheduler refused it at start-up, after the web server had
		// started,
		// in a message that named no property
		if (rulesReconcileInterval.compareTo(MIN_RECONCILE_INTERVAL) < 0
				|| rulesReconcileInterval.compareTo(MAX_RECONCILE_INTERVAL) > 0) {
			throw new IllegalArgumentException(
					"blueprint.ratelimit.rules-reconcile-interval must be 100ms to 1h, was " + rulesReconcileInterval);
		}
		// an empty BLUEPRINT_RATELIMIT_ADMINS binds as one blank entry
		admins = (admins != null) ? admins.stream().map(String::strip).filter((admin) -> !admin.isEmpty()).toList()
				: List.of();
	}

	/** The longest {@code redis-timeout}: a decision that waits longer is no answer. */
	static final Duration MAX_REDIS_TIMEOUT = Duration.ofMinutes(1);

	/** The highest {@code max-subject-length}. */
	static final int MAX_SUBJECT_LENGTH = 4096;

	static final Duration MIN_RECONCILE_INTERVAL = Duration.ofMillis(100);

	static final Duration MAX_RECONCILE_INTERVAL = Duration.ofHours(1);

}
