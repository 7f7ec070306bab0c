package dev.blueprint.ratelimit.redis;

import dev.blueprint.testsupport.TestInfrastructure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * A Lettuce connection to the build's real Redis and the Redis stores on it, for the
 * stores' integration tests.
 */
final class RealRedis implements AutoCloseable {

	private final RedisClient client;

	private final StatefulRedisConnection<String, String> connection;

	private final RedisRateLimitStore store;

	RealRedis() {
		this.client = RedisClient.create(RedisURI.create("127.0.0.1", TestInfrastructure.local().redisPort()));
		this.connection = this.client.connect();
		this.store = new RedisRateLimitStore(this.connection.sync());
	}

	RedisRateLimitStore store() {
		return this.store;
	}

	/** The same script, several requests per call, on this connection. */
	RedisBatchRateLimitStore batchStore() {
		return new RedisBatchRateLimitStore(this.connection.async());
	}

	RedisCommands<String, String> commands() {
		return this.connection.sync();
	}

	@Override
	public void close() {
		this.connection.close();
		this.client.shutdown();
	}

}
