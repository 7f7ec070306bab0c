package dev.blueprint.ratelimit.client;

import java.util.Map;

/**
 * What the client tells the request.
 *
 * @param allowed whether it may proceed
 * @param rule the rule
 * @param retryAfterSeconds when denied, seconds until a retry can pass
 * @param headers the rate-limit headers to send
 */
public record Verdict(boolean allowed, String rule, long retryAfterSeconds, Map<String, String> headers) {

}
