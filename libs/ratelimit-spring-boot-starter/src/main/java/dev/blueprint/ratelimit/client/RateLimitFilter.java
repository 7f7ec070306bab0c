package dev.blueprint.ratelimit.client;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.util.AntPathMatcher;
import org.springframework.web.util.UrlPathHelper;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Limits requests by path pattern ({@code blueprint.ratelimit.client.filter}), for routes
 * that have no handler method to annotate. The first matching entry applies.
 */
class RateLimitFilter extends OncePerRequestFilter {

	private final AntPathMatcher paths = new AntPathMatcher();

	private final List<RateLimitClientProperties.FilterRule> rules;

	private final RateLimitEnforcer enforcer;

	RateLimitFilter(List<RateLimitClientProperties.FilterRule> rules, RateLimitEnforcer enforcer) {
		this.rules = List.copyOf(rules);
		this.enforcer = enforcer;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		// decoded and cleaned as Spring MVC routes it: matching the raw URI let
		// /%62rowse/1 reach a handler of /browse/** unlimited (before 2026-12-06)
		String path = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
		for (RateLimitClientProperties.FilterRule rule : this.rules) {
			boolean methodMatches = rule.method() == null || rule.method().equalsIgnoreCase(request.getMethod());
			if (methodMatches && this.paths.match(rule.path(), path)) {
				if (!this.enforcer.enforce(request, response, rule.rule(), rule.subject(), rule.header(), 1)) {
					return;
				}
				break;
			}
		}
		chain.doFilter(request, response);
	}

}
