package dev.blueprint.chat.contracts;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.blueprint.testsupport.TestRedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session registry on a real three-master Redis Cluster (production's shape): its
 * pipelines of up to 500 users span every node.
 */
class SessionRegistryClusterIntegrationTests extends SessionRegistryContract {

	private static TestRedisCluster cluster;

	private static LettuceConnectionFactory connections;

	private static StringRedisTemplate redis;

	@BeforeAll
	static void connect() {
		cluster = TestRedisCluster.start(18110);
		connections = new LettuceConnectionFactory(new RedisClusterConfiguration(List.of(cluster.nodes().split(","))),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(5)).build());
		connections.afterPropertiesSet();
		connections.start();
		redis = new StringRedisTemplate(connections);
	}

	@AfterAll
	static void disconnect() {
		if (connections != null) {
			connections.destroy();
		}
		if (cluster != null) {
			cluster.close();
		}
	}

	@Override
	protected StringRedisTemplate redis() {
		return redis;
	}

	@Test
	void oneBatchsUsersAreOnEveryMaster() {
		List<SessionRegistry.Session> sessions = sessions(60);
		registryAt(Instant.now()).renew(sessions);
		Set<Integer> masters = sessions.stream()
			.map((session) -> cluster.masterOf(SessionRegistry.key(session.userId())))
			.collect(Collectors.toSet());
		assertThat(masters).containsExactlyInAnyOrder(0, 1, 2);
		assertThat(
				registryAt(Instant.now()).gatewaysOf(sessions.stream().map(SessionRegistry.Session::userId).toList()))
			.hasSize(60);
	}

}
