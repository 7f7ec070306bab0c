package dev.blueprint.ratelimit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.LimitOutcome;
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
 */
public class RedisRateLimitStore implements RateLimitStore {

	/** The script's source, from the classpath. */
	public static final String SCRIPT = loadScript();

	/** The SHA-1 Redis knows the script by. */
	public static final String SHA = sha1(SCRIPT);

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
		if (limits.isEmpty()) {
			throw new IllegalArgumentException("at least one limit is needed");
		}
		if (cost < 1) {
			throw new IllegalArgumentException("cost must be at least 1, was " + cost);
		}
		String[] keys = new String[limits.size()];
		String[] args = new String[1 + 4 * limits.size()];
		args[0] = Long.toString(cost);
		for (int i = 0; i < limits.size(); i++) {
			Limit limit = limits.get(i);
			keys[i] = RateLimitKeys.stateKey(bucket, limit);
			args[1 + 4 * i] = Integer.toString(limit.algorithm().scriptCode());
			args[2 + 4 * i] = Long.toString(limit.permits());
			args[3 + 4 * i] = Long.toString(limit.window().toNanos() / 1_000);
			args[4 + 4 * i] = Long.toString(limit.burst());
		}
		return decision(limits, execute(keys, args));
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

	static Decision decision(List<Limit> limits, List<Object> reply) {
		if (reply == null || reply.size() != 1 + 4 * limits.size()) {
			throw new RateLimitStoreException("Unexpected reply from the rate-limit script: " + reply, null);
		}
		List<LimitOutcome> outcomes = new ArrayList<>(limits.size());
		for (int i = 0; i < limits.size(); i++) {
			int base = 1 + 4 * i;
			outcomes.add(new LimitOutcome(limits.get(i), number(reply.get(base)) == 1, number(reply.get(base + 1)),
					number(reply.get(base + 2)), number(reply.get(base + 3))));
		}
		return new Decision(number(reply.get(0)) == 1, outcomes);
	}

	private static long number(Object value) {
		return ((Number) value).longValue();
	}

	private static String loadScript() {
		try (InputStream in = RedisRateLimitStore.class.getResourceAsStream("acquire.lua")) {
			if (in == null) {
				throw new IllegalStateException("acquire.lua is missing from the classpath");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String sha1(String script) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
