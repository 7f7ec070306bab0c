package dev.blueprint.ratelimit.core.rules;

/**
 * One limit as written in a rules file.
 *
 * @param limit permits per unit, 1 to 10^12 ({@code Limit.MAX_PERMITS})
 * @param unit {@code second}, {@code minute}, {@code hour}, {@code day}, or a duration
 * such as {@code 500ms}, {@code 10s}, {@code 5m}; at most {@code 366d}
 * ({@code Limit.MAX_WINDOW})
 * @param burst token bucket only: the bucket capacity (default {@code limit}), at most
 * 10^12
 * @param algorithm overrides the rule's algorithm for this limit
 */
public record LimitSpec(Long limit, String unit, Long burst, String algorithm) {

}
