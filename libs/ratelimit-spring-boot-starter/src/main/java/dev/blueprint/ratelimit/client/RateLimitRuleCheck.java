package dev.blueprint.ratelimit.client;

import java.util.List;
import java.util.function.Supplier;

import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.rules.Rule;
import dev.blueprint.ratelimit.core.rules.RuleBook;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.web.method.HandlerMethod;

/**
 * Embedded mode: fails start-up when a {@link RateLimited} handler or a filter entry
 * names a rule that does not exist, or costs less than 1 or more than the rule's
 * capacity. Otherwise the mistake shows only when the route is first called: a 500 for a
 * missing rule, or a 429 on every request for a cost no bucket can ever hold.
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
		if (!(this.decider instanceof EmbeddedDecider embedded)) {
			// remote mode: the rules live in rate-limiter-service
			return;
		}
		RuleBook rules = embedded.rules();
		for (RateLimitClientProperties.FilterRule entry : this.filter) {
			String method = (entry.method() != null) ? entry.method() + " " : "";
			check(rules, entry.rule(), 1, "blueprint.ratelimit.client.filter entry " + method + entry.path());
		}
		for (HandlerMethod handler : this.handlers.get()) {
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

	private static List<String> names(RuleBook rules) {
		return rules.rules().stream().map(Rule::name).sorted().toList();
	}

}
