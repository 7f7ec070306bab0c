package dev.blueprint.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.CoalescingRateLimitStore;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.testsupport.TestInfrastructure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 concurrent requests from two limiter instances, each with its own Redis client
 * and connection, on a limit of 100: every exact algorithm admits exactly 100, whether
 * each request is its own script call or each instance coalesces concurrent requests.
 */
class ExactnessIntegrationTests {

	private static final int INSTANCES = 2;

	private static final List<RedisClient> clients = new ArrayList<>();

	private static final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();

	private static final List<RedisRateLimitStore> limiters = new ArrayList<>();

	private static final List<CoalescingRateLimitStore> coalescing = new ArrayList<>();

	private static final AtomicInteger scriptCalls = new AtomicInteger();

	@BeforeAll
	static void connect() {
		int port = TestInfrastructure.local().redisPort();
		for (int i = 0; i < INSTANCES; i++) {
			RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
			StatefulRedisConnection<String, String> connection = client.connect();
			clients.add(client);
			connections.add(connection);
			limiters.add(new RedisRateLimitStore(connection.sync()));
			RedisBatchRateLimitStore batches = new RedisBatchRateLimitStore(connection.async());
			coalescing.add(new CoalescingRateLimitStore((bucket, limits, costs) -> {
				scriptCalls.incrementAndGet();
				return batches.acquireAll(bucket, limits, costs);
			}));
		}
	}

	@AfterAll
	static void disconnect() {
		connections.forEach(StatefulRedisConnection::close);
		clients.forEach(RedisClient::shutdown);
	}

	@ParameterizedTest
	@EnumSource(value = Algorithm.class, names = { "TOKEN_BUCKET", "SLIDING_WINDOW_LOG", "FIXED_WINDOW" })
	void exactlyTheLimitIsAdmittedUnderConcurrency(Algorithm algorithm) throws Exception {
		assertExactlyTheLimitIsAdmitted(algorithm, limiters);
	}

	@ParameterizedTest
	@EnumSource(value = Algorithm.class, names = { "TOKEN_BUCKET", "SLIDING_WINDOW_LOG", "FIXED_WINDOW" })
	void exactlyTheLimitIsAdmittedWhenEachInstanceCoalescesItsRequests(Algorithm algorithm) throws Exception {
		scriptCalls.set(0);
		assertExactlyTheLimitIsAdmitted(algorithm, coalescing);
		assertThat(scriptCalls.get()).as("requests were coalesced into fewer script calls").isLessThan(1000);
	}

	private static void assertExactlyTheLimitIsAdmitted(Algorithm algorithm, List<? extends RateLimitStore> instances)
			throws Exception {
		// an hour-long window: a token refills every 36 s and no window ends during the
		// test
		Limit limit = Limit.of(algorithm, 100, Duration.ofHours(1));
		if (algorithm == Algorithm.FIXED_WINDOW) {
			awayFromHourBoundary();
		}
		String bucket = RateLimitKeys.bucket("exactness", algorithm.id() + "-" + System.nanoTime());
		AtomicInteger allowed = new AtomicInteger();
		AtomicInteger denied = new AtomicInteger();
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(32);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < 1000; i++) {
				RateLimitStore limiter = instances.get(i % INSTANCES);
				futures.add(pool.submit(() -> {
					start.await();
					if (limiter.acquire(bucket, List.of(limit), 1).allowed()) {
						allowed.incrementAndGet();
					}
					else {
						denied.incrementAndGet();
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(allowed.get()).isEqualTo(100);
		assertThat(denied.get()).isEqualTo(900);
	}

	private static void awayFromHourBoundary() throws InterruptedException {
		List<String> time = connections.get(0).sync().time();
		long secondOfHour = Long.parseLong(time.get(0)) % 3600;
		if (secondOfHour > 3590) {
			Thread.sleep((3601 - secondOfHour) * 1000);
		}
	}

}
