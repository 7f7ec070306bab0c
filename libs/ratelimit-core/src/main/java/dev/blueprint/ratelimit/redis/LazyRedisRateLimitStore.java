package dev.blueprint.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import dev.blueprint.ratelimit.core.CoalescingRateLimitStore;
import dev.blueprint.ratelimit.core.Decision;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * The Redis store as the applications use it: {@code acquire.lua} on its own Lettuce
 * client, with concurrent decisions on one bucket coalesced into one script call
 * ({@link CoalescingRateLimitStore} over {@link RedisBatchRateLimitStore}; each request
 * is still decided individually by Redis). The client is made by a
 * {@link RedisClientFactory} (it fails fast) and reconnects every 200 ms. A connection is
 * made on first use, so an application starts (and decides by its failure policies) while
 * Redis is down. Used by rate-limiter-service and by the client starter's embedded mode.
 */
public class LazyRedisRateLimitStore implements RateLimitStore, AutoCloseable {

	private final Function<ClientResources, AbstractRedisClient> clientFactory;

	// reconnect every 200 ms instead of Lettuce's exponential back-off up to 30 s
	private final ClientResources resources = ClientResources.builder()
		.reconnectDelay(Delay.constant(Duration.ofMillis(200)))
		.build();

	private final Object lock = new Object();

	private volatile AbstractRedisClient client;

	private volatile RateLimitStore store;

	private volatile AutoCloseable connection;

	/** The connection attempt in progress, if any (guarded by {@code lock}). */
	private CompletableFuture<RateLimitStore> connecting;

	private LazyRedisRateLimitStore(Function<ClientResources, AbstractRedisClient> clientFactory) {
		this.clientFactory = clientFactory;
	}

	/**
	 * A store whose client {@code clientFactory} makes, on first use, with this store's
	 * client resources (reconnects every 200 ms).
	 * @param clientFactory usually a {@link RedisClientFactory}
	 * @return the store
	 */
	public static LazyRedisRateLimitStore of(Function<ClientResources, AbstractRedisClient> clientFactory) {
		return new LazyRedisRateLimitStore(clientFactory);
	}

	@Override
	public Decision acquire(String bucket, List<Limit> limits, long cost) {
		return store().acquire(bucket, limits, cost);
	}

	/**
	 * The connected store. One connection attempt at a time: the decisions that come
	 * while it runs wait for it and share its outcome, and one that fails fails them all,
	 * the next decision trying again. Before 2026-12-06 each waiting decision then made
	 * an attempt of its own, one after another under the lock: with Redis unreachable at
	 * start-up, the fiftieth concurrent request waited out fifty connect timeouts.
	 */
	private RateLimitStore store() {
		RateLimitStore current = this.store;
		if (current != null) {
			return current;
		}
		CompletableFuture<RateLimitStore> attempt;
		boolean mine = false;
		synchronized (this.lock) {
			if (this.store != null) {
				return this.store;
			}
			if (this.connecting == null) {
				this.connecting = new CompletableFuture<>();
				mine = true;
			}
			attempt = this.connecting;
		}
		if (mine) {
			try {
				RateLimitStore connected = connect();
				synchronized (this.lock) {
					this.store = connected;
					this.connecting = null;
				}
				attempt.complete(connected);
			}
			catch (RuntimeException | Error ex) {
				// an Error too: the decisions waiting for this attempt must not wait
				// forever
				synchronized (this.lock) {
					this.connecting = null;
				}
				attempt.completeExceptionally(ex);
			}
		}
		try {
			return attempt.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RedisException failure) {
				throw new RateLimitStoreException("Cannot connect to Redis: " + failure.getMessage(), failure);
			}
			throw (ex.getCause() instanceof RuntimeException failure) ? failure : ex;
		}
	}

	private RateLimitStore connect() {
		synchronized (this.lock) {
			if (this.client == null) {
				this.client = this.clientFactory.apply(this.resources);
			}
		}
		RedisScriptingAsyncCommands<String, String> commands;
		if (this.client instanceof RedisClusterClient cluster) {
			var connection = cluster.connect();
			this.connection = connection;
			commands = connection.async();
		}
		else {
			var connection = ((RedisClient) this.client).connect();
			this.connection = connection;
			commands = connection.async();
		}
		return new CoalescingRateLimitStore(new RedisBatchRateLimitStore(commands));
	}

	@Override
	public void close() throws Exception {
		synchronized (this.lock) {
			if (this.connection != null) {
				this.connection.close();
			}
			if (this.client != null) {
				this.client.shutdown();
			}
			this.resources.shutdown();
		}
	}

}
