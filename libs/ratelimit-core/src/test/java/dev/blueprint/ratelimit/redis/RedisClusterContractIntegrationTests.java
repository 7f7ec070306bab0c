package dev.blueprint.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreContract;
import dev.blueprint.testsupport.TestRedisCluster;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract against a real three-master Redis Cluster that this test starts
 * itself ({@link TestRedisCluster}: the same redis-server binary the launcher uses, in
 * cluster mode) and stops afterwards: hash-tagged keys mean no decision ever spans two
 * slots.
 */
class RedisClusterContractIntegrationTests extends RateLimitStoreContract {

	private static TestRedisCluster cluster;

	private static RedisClusterClient client;

	private static StatefulRedisClusterConnection<String, String> connection;

	private static RedisRateLimitStore store;

	@BeforeAll
	static void startCluster() {
		cluster = TestRedisCluster.start(18100);
		client = RedisClusterClient.create(cluster.uris());
		connection = client.connect();
		store = new RedisRateLimitStore(connection.sync());
	}

	@AfterAll
	static void stopCluster() {
		if (connection != null) {
			connection.close();
			client.shutdown();
		}
		if (cluster != null) {
			cluster.close();
		}
	}

	@Override
	protected RateLimitStore store() {
		return store;
	}

	@Test
	void decisionsForDifferentSubjectsLandOnEveryMaster() {
		Set<String> masters = IntStream.range(0, 60)
			.mapToObj((i) -> RateLimitKeys.bucket("spread", "subject-" + i))
			.map((bucket) -> {
				Limit limit = Limit.of(Algorithm.TOKEN_BUCKET, 5, Duration.ofMinutes(1));
				assertThat(store.acquire(bucket, List.of(limit), 1).allowed()).isTrue();
				int slot = SlotHash.getSlot(RateLimitKeys.stateKey(bucket, limit));
				return connection.getPartitions().getPartitionBySlot(slot).getNodeId();
			})
			.collect(Collectors.toSet());
		assertThat(masters).hasSize(3);
	}

}
