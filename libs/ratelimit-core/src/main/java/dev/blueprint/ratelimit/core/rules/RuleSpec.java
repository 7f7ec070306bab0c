package dev.blueprint.ratelimit.core.rules;

import java.util.List;

/**
 * A rule as written in a rules file (YAML) or sent to the admin API; {@link RuleBook}
 * validates it into a {@link Rule}.
 *
 * @param name unique name, letters, digits, '.', '_' and '-'
 * @param api optional route or named operation the rule also answers to, e.g.
 * {@code POST /api/v1/urls}
 * @param algorithm default algorithm of the limits (default {@code token-bucket})
 * @param limits one or more limits, all applied to every request
 * @param overrides per-subject replacement limits
 * @param shadow decide and report, but never deny
 * @param failurePolicy {@code fail-open}, {@code fail-closed} or {@code local} (default)
 */
public record RuleSpec(String name, String api, String algorithm, List<LimitSpec> limits, List<OverrideSpec> overrides,
		Boolean shadow, String failurePolicy) {

}
