package dev.blueprint.ratelimit.benchmark;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

import dev.blueprint.local.HmacJwt;
import dev.blueprint.ratelimit.client.EmbeddedDecider;
import dev.blueprint.ratelimit.client.RateLimitDecider;
import dev.blueprint.ratelimit.client.RemoteDecider;
import dev.blueprint.ratelimit.core.CoalescingRateLimitStore;
import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.rules.LimitSpec;
import dev.blueprint.ratelimit.core.rules.RuleBook;
import dev.blueprint.ratelimit.core.rules.RuleSpec;
import dev.blueprint.ratelimit.redis.LazyRedisRateLimitStore;
import dev.blueprint.ratelimit.redis.RedisBatchRateLimitStore;
import dev.blueprint.ratelimit.redis.RedisClientFactory;
import dev.blueprint.ratelimit.redis.RedisRateLimitStore;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

/**
 * The contenders. Every one takes one permit per decision from a token bucket of
 * {@link #CAPACITY} refilled at {@code CAPACITY} per {@link #REFILL}, so every decision
 * of a run is an allow: what is measured is the cost of deciding, not of denying. Each
 * uses one Lettuce connection shared by all threads, as an application would.
 */
final class Contenders {

	static final long CAPACITY = 1_000_000_000L;

	static final Duration REFILL = Duration.ofMinutes(1);

	static final String RULE = "bench";

	private static final List<Limit> LIMITS = List.of(Limit.tokenBucket(CAPACITY, CAPACITY, REFILL));

	private Contenders() {
	}

	/** One {@code EVALSHA} of Blueprint's script per decision. */
	static Contender blueprintScript(RedisClient client) {
		StatefulRedisConnection<String, String> connection = client.connect();
		return blueprint("Blueprint, script per decision", connection, new RedisRateLimitStore(connection.sync()));
	}

	/**
	 * Blueprint's script with concurrent decisions on one bucket coalesced into one call.
	 */
	static Contender blueprintCoalesced(RedisClient client) {
		StatefulRedisConnection<String, String> connection = client.connect();
		return blueprint("Blueprint, coalesced", connection,
				new CoalescingRateLimitStore(new RedisBatchRateLimitStore(connection.async())));
	}

	private static Contender blueprint(String name, StatefulRedisConnection<String, String> connection,
			RateLimitStore store) {
		return new Contender(name, (run, keys) -> {
			String[] buckets = names(keys, (i) -> RateLimitKeys.bucket(RULE, run + ":" + i));
			return (key) -> store.acquire(buckets[key], LIMITS, 1).allowed();
		}, connection);
	}

	/**
	 * Bucket4j's Lettuce proxy manager: read the state, compute in the client,
	 * compare-and-swap it back with a script, retry on conflict. With {@code batching},
	 * concurrent requests on one bucket proxy are combined into one CAS.
	 */
	static Contender bucket4j(RedisClient client, boolean batching) {
		StatefulRedisConnection<String, byte[]> connection = client
			.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
		// Blueprint's keys expire once full again too
		LettuceBasedProxyManager<String> proxies = Bucket4jLettuce.casBasedBuilder(connection)
			.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(REFILL))
			.build();
		BucketConfiguration configuration = BucketConfiguration.builder()
			.addLimit((limit) -> limit.capacity(CAPACITY).refillGreedy(CAPACITY, REFILL))
			.build();
		String name = batching ? "Bucket4j, CAS + batching" : "Bucket4j, CAS (default)";
		return new Contender(name, (run, keys) -> {
			// one proxy per bucket, shared by the threads: batching works per proxy
			BucketProxy[] buckets = new BucketProxy[keys];
			for (int i = 0; i < keys; i++) {
				RemoteBucketBuilder<String> builder = proxies.builder();
				if (batching) {
					builder = builder.withOptimization(Optimizations.batching());
				}
				buckets[i] = builder.build("b4j:" + run + ":" + i, configuration);
			}
			return (key) -> buckets[key].tryConsume(1);
		}, connection);
	}

	/** The client starter in embedded mode: rule lookup, then the coalescing store. */
	static Contender starterEmbedded(int redisPort) {
		Duration timeout = Duration.ofSeconds(5);
		LazyRedisRateLimitStore redis = LazyRedisRateLimitStore.of(RedisClientFactory
			.standalone(RedisClientFactory.uri("127.0.0.1", redisPort, null, null, false, timeout), timeout));
		RuleBook rules = RuleBook.of(List.of(new RuleSpec(RULE, null, "token-bucket",
				List.of(new LimitSpec(CAPACITY, REFILL.toSeconds() + "s", CAPACITY, null)), null, null,
				"fail-closed")));
		EmbeddedDecider decider = new EmbeddedDecider(rules, redis, new InMemoryRateLimitStore(Clock.systemUTC()), 1);
		return starter("starter, embedded", decider, redis);
	}

	/**
	 * The client starter in remote mode: {@code POST /api/v1/ratelimit/check} to a
	 * running rate-limiter-service, which must have the rule {@value #RULE} (see
	 * bench/bench-rules.yaml).
	 */
	static Contender starterRemote(URI serviceUrl, String jwtSecret) {
		String token = HmacJwt.mint(jwtSecret, "bench", Instant.now(), Duration.ofHours(2));
		RemoteDecider decider = new RemoteDecider(serviceUrl, token, Duration.ofSeconds(5), false);
		return starter("starter, remote (HTTP)", decider, null);
	}

	private static Contender starter(String name, RateLimitDecider decider, AutoCloseable resource) {
		return new Contender(name, (run, keys) -> {
			String[] subjects = names(keys, (i) -> run + ":" + i);
			return (key) -> decider.decide(RULE, subjects[key], 1, null).allowed();
		}, resource);
	}

	private static String[] names(int keys, IntFunction<String> name) {
		String[] names = new String[keys];
		for (int i = 0; i < keys; i++) {
			names[i] = name.apply(i);
		}
		return names;
	}

}
