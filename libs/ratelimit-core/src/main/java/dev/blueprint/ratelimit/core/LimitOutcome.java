package dev.blueprint.ratelimit.core;

/**
 * How one limit of a decision stands after it.
 *
 * @param limit the limit
 * @param allowed whether this limit alone would admit the request
 * @param remaining permits left (after the request if the whole decision admitted it)
 * @param resetMillis time until the limit is completely replenished
 * @param retryAfterMillis when denied, time until a request of the same cost could pass
 * this limit; 0 when allowed
 */
public record LimitOutcome(Limit limit, boolean allowed, long remaining, long resetMillis, long retryAfterMillis) {

}
