package dev.blueprint.ratelimit.core;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The four rate-limit algorithms. Each is implemented once as a Lua script (Redis) and
 * once in {@link InMemoryRateLimitStore}; both must pass the same contract test.
 */
public enum Algorithm {

	/**
	 * Capacity ({@code burst}) tokens, refilled continuously at {@code limit} per window.
	 * Exact.
	 */
	TOKEN_BUCKET("token-bucket", 1),

	/**
	 * Every admitted permit is logged; at most {@code limit} in any rolling window.
	 * Exact.
	 */
	SLIDING_WINDOW_LOG("sliding-window-log", 2),

	/**
	 * Cloudflare's approximation: the previous fixed window's count weighted by its
	 * overlap with the rolling window, plus the current window's count. Two counters per
	 * key.
	 */
	SLIDING_WINDOW_COUNTER("sliding-window-counter", 3),

	/** At most {@code limit} per window aligned to the epoch. Exact per window. */
	FIXED_WINDOW("fixed-window", 4);

	private final String id;

	private final int scriptCode;

	Algorithm(String id, int scriptCode) {
		this.id = id;
		this.scriptCode = scriptCode;
	}

	/** The name used in rule files and the API, e.g. {@code token-bucket}. */
	public String id() {
		return this.id;
	}

	/** The number the Lua script dispatches on. */
	public int scriptCode() {
		return this.scriptCode;
	}

	/** Whether the algorithm never admits more than its limit. */
	public boolean exact() {
		return this != SLIDING_WINDOW_COUNTER;
	}

	public static Optional<Algorithm> fromId(String id) {
		return Arrays.stream(values()).filter((algorithm) -> algorithm.id.equals(id)).findFirst();
	}

	/** The accepted ids, for error messages. */
	public static String ids() {
		return Arrays.stream(values()).map(Algorithm::id).collect(Collectors.joining(", "));
	}

}
