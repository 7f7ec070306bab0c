package dev.blueprint.ratelimit.client;

/**
 * Takes decisions for the starter: in Redis directly (embedded) or via the service
 * (remote).
 */
public interface RateLimitDecider {

	Verdict decide(String rule, String subject, long cost, String authorization);

}
