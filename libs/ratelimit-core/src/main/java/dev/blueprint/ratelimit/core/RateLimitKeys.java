package dev.blueprint.ratelimit.core;

/**
 * Key layout. Every key of one rule and subject carries the same Redis Cluster hash tag,
 * {@code {rule:subject}}, so the script that touches all of a request's limits only ever
 * addresses one slot (no CROSSSLOT errors on a cluster).
 */
public final class RateLimitKeys {

	private static final String PREFIX = "rl:";

	private RateLimitKeys() {
	}

	/**
	 * The bucket of a rule and subject. Rule names never contain braces or colons (rule
	 * validation), so distinct rules and subjects never share a bucket. A subject's own
	 * braces are percent-encoded: a '}' inside it would end the hash tag early.
	 */
	public static String bucket(String rule, String subject) {
		String escaped = subject.replace("%", "%25").replace("{", "%7B").replace("}", "%7D");
		return PREFIX + "{" + rule + ":" + escaped + "}";
	}

	/** The state key of one limit in a bucket. */
	public static String stateKey(String bucket, Limit limit) {
		return bucket + ":" + limit.stateId();
	}

}
