package dev.blueprint.ratelimit.core.rules;

/**
 * One limit as written in a rules file.
 *
 * @param limit permits per unit, greater than 0
 * @param unit {@code second}, {@code minute}, {@code hour}, {@code day}, or a duration
 * such as {@code 500ms}, {@code 10s}, {@code 5m}
 * @param burst token bucket only: the bucket capacity (default {@code limit})
 * @param algorithm overrides the rule's algorithm for this limit
 */
public record LimitSpec(Long limit, String unit, Long burst, String algorithm) {

}
