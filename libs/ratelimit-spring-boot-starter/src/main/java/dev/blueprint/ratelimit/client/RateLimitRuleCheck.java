package dev.blueprint.ratelimit.client;

import java.util.List;
import java.util.function.Supplier;

import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.rules.Rule;
import dev.blueprint.ratelimit.core.rules.RuleBook;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.web.method.HandlerMethod;

/**
 * Fails start-up when a filter entry has no path, or a {@link RateLimited} handler or a
 * filter entry limits by a header without naming it; in embedded mode also when one names
 * a rule that does not exist, or costs less than 1 or more than the rule's capacity.
 * Otherwise the mistake shows only when the route is first called: a 500 for a missing
 * rule, or a 429 on every request for a cost no bucket can ever hold.
 */
class RateLimitRuleCheck implements SmartInitializingSingleton {

	private final RateLimitDecider decider;

	private final List<RateLimitClientProperties.FilterRule> filter;

	private final Supplier<List<HandlerMethod>> handlers;

	/**
	 * @param decider the decider; only an {@link EmbeddedDecider} knows its rules
	 * @param filter the filter's entries
	 * @param handlers the application's handler methods, asked once every singleton (and
	 * so every handler mapping) exists
	 */
	RateLimitRuleCheck(RateLimitDecider decider, List<RateLimitClientProperties.FilterRule> filter,
			Supplier<List<HandlerMethod>> handlers) {
		this.decider = decider;
		this.filter = filter;
		this.handlers = handlers;
	}

	@Override
	public void afterSingletonsInstantiated() {
		// In both modes: entries and annotations that cannot work whatever the rules.
		for (RateLimitClientProperties.FilterRule entry : this.filter) {
			String where = "blueprint.ratelimit.client.filter entry "
					+ ((entry.method() != null) ? entry.method() + " " : "") + entry.path();
			if (entry.path() == null || entry.path().isBlank()) {
				// it failed every request it was matched against (a NullPointerException)
				throw new IllegalStateException(where + " has no path");
			}
			checkHeader(entry.subject(), entry.header(), where);
		}
		List<HandlerMethod> handlers = this.handlers.get();
		for (HandlerMethod handler : handlers) {
			RateLimited limited = RateLimitedInterceptor.find(handler);
			if (limited != null) {
				checkHeader(limited.subject(), limited.header(), "@RateLimited on " + handler);
			}
		}
		if (!(this.decider instanceof EmbeddedDecider embedded)) {
			// remote mode: the rules live in rate-limiter-service
			return;
		}
		RuleBook rules = embedded.rules();
		for (RateLimitClientProperties.FilterRule entry : this.filter) {
			String method = (entry.method() != null) ? entry.method() + " " : "";
			check(rules, entry.rule(), 1, "blueprint.ratelimit.client.filter entry " + method + entry.path());
		}
		for (HandlerMethod handler : handlers) {
			RateLimited limited = RateLimitedInterceptor.find(handler);
			if (limited != null) {
				check(rules, limited.value(), limited.cost(), "@RateLimited on " + handler);
			}
		}
	}

	/**
	 * @param rules the rules
	 * @param ruleName the rule named
	 * @param cost the permits each request takes
	 * @param where what names the rule, for the message
	 * @throws IllegalStateException when the rule is missing or the cost cannot work
	 */
	static void check(RuleBook rules, String ruleName, long cost, String where) {
		if (ruleName == null) {
			throw new IllegalStateException(where + " names no rate-limit rule");
		}
		Rule rule = rules.byName(ruleName)
			.orElseThrow(() -> new IllegalStateException(where + " names rate-limit rule '" + ruleName
					+ "', which is not under blueprint.ratelimit.client.rules (there are " + names(rules) + ")"));
		if (cost < 1) {
			throw new IllegalStateException(
					where + " costs " + cost + " of rate-limit rule '" + ruleName + "'; the cost must be at least 1");
		}
		// every subject without an override gets these limits
		// maxCost: a sliding-window log also bounds one request's cost
		// (Limit.MAX_LOG_COST)
		long capacity = rule.limits().stream().mapToLong(Limit::maxCost).min().orElse(0);
		if (cost > capacity) {
			throw new IllegalStateException(where + " costs " + cost + " of rate-limit rule '" + ruleName
					+ "', more than its capacity (" + capacity + "), so every request would be denied");
		}
	}

	/**
	 * A {@code HEADER} subject names its header: without one every request was the
	 * subject {@code header:}, one bucket any client could drain for all.
	 */
	static void checkHeader(Subject subject, String header, String where) {
		if (subject == Subject.HEADER && (header == null || header.isBlank())) {
			throw new IllegalStateException(where + " limits by header but names none (header: X-Api-Key, say)");
		}
	}

	private static List<String> names(RuleBook rules) {
		return rules.rules().stream().map(Rule::name).sorted().toList();
	}

}
