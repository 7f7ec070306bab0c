package dev.blueprint.ratelimit.core.rules;

import java.util.List;

/**
 * Limits that replace a rule's limits for one subject (e.g. a partner's API key).
 *
 * @param subject the exact subject
 * @param limits its limits
 */
public record OverrideSpec(String subject, List<LimitSpec> limits) {

}
