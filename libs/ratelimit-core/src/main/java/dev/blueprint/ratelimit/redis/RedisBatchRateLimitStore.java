package dev.blueprint.ratelimit.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import dev.blueprint.ratelimit.core.BatchRateLimitStore;
import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

/**
 * {@code acquire.lua} deciding several requests on one bucket in one asynchronous
 * {@code EVALSHA}, in order and with one reading of Redis's clock; {@code NOSCRIPT} is
 * answered by one {@code EVAL}, as in {@link RedisRateLimitStore}. Works on standalone
 * and cluster connections (all keys of a call share one hash tag).
 */
public class RedisBatchRateLimitStore implements BatchRateLimitStore {

	private final RedisScriptingAsyncCommands<String, String> redis;

	/**
	 * @param redis the asynchronous commands of a standalone or cluster connection; they
	 * should time out quickly
	 */
	public RedisBatchRateLimitStore(RedisScriptingAsyncCommands<String, String> redis) {
		this.redis = redis;
	}

	@Override
	public CompletionStage<List<Decision>> acquireAll(String bucket, List<Limit> limits, List<Long> costs) {
		String[] keys = AcquireScript.keys(bucket, limits);
		String[] args = AcquireScript.args(limits, costs);
		CompletionStage<List<Object>> reply = call(
				() -> this.redis.evalsha(AcquireScript.SHA, ScriptOutputType.MULTI, keys, args));
		return reply
			.exceptionallyCompose((failure) -> (cause(failure) instanceof RedisNoScriptException)
					? call(() -> this.redis.eval(AcquireScript.SOURCE, ScriptOutputType.MULTI, keys, args))
					: CompletableFuture.failedStage(failure))
			.handle((result, failure) -> {
				if (failure != null) {
					Throwable cause = cause(failure);
					throw new CompletionException(new RateLimitStoreException(
							"Redis rate-limit script failed: " + cause.getMessage(), cause));
				}
				return AcquireScript.decisions(limits, costs.size(), result);
			});
	}

	// Lettuce may reject a command at once (disconnected) instead of failing its future.
	private static CompletionStage<List<Object>> call(
			java.util.function.Supplier<CompletionStage<List<Object>>> command) {
		try {
			return command.get();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	private static Throwable cause(Throwable failure) {
		return (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause() : failure;
	}

}
