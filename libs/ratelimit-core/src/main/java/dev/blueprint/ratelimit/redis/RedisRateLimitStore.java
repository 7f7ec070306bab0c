package dev.blueprint.ratelimit.redis;

import java.util.List;

import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;

/**
 * The Redis adapter: every decision is one {@code EVALSHA} of {@code acquire.lua}, which
 * reads Redis's own clock and checks and charges all of a bucket's limits atomically.
 * When a server answers {@code NOSCRIPT} (restarted, failed over, {@code SCRIPT FLUSH}),
 * the call is repeated once as {@code EVAL}, which also puts the script back into that
 * server's cache.
 * <p>
 * Works on a standalone connection and on a Redis Cluster connection alike: all keys of a
 * decision share one hash tag (see {@link RateLimitKeys}).
 * {@link RedisBatchRateLimitStore} is the same script deciding several requests per call,
 * for coalescing.
 */
public class RedisRateLimitStore implements RateLimitStore {

	/** The script's source, from the classpath. */
	public static final String SCRIPT = AcquireScript.SOURCE;

	/** The SHA-1 Redis knows the script by. */
	public static final String SHA = AcquireScript.SHA;

	private final RedisScriptingCommands<String, String> redis;

	/**
	 * @param redis the commands of a standalone or cluster connection; they should time
	 * out quickly (the caller decides what happens when Redis is unreachable)
	 */
	public RedisRateLimitStore(RedisScriptingCommands<String, String> redis) {
		this.redis = redis;
	}

	@Override
	public Decision acquire(String bucket, List<Limit> limits, long cost) {
		String[] keys = AcquireScript.keys(bucket, limits);
		String[] args = AcquireScript.args(limits, List.of(cost));
		return AcquireScript.decisions(limits, 1, execute(keys, args)).get(0);
	}

	private List<Object> execute(String[] keys, String[] args) {
		try {
			try {
				return this.redis.evalsha(SHA, ScriptOutputType.MULTI, keys, args);
			}
			catch (RedisNoScriptException ex) {
				return this.redis.eval(SCRIPT, ScriptOutputType.MULTI, keys, args);
			}
		}
		catch (RedisException ex) {
			throw new RateLimitStoreException("Redis rate-limit script failed: " + ex.getMessage(), ex);
		}
	}

}
