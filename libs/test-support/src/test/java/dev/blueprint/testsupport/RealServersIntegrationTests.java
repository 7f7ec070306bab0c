package dev.blueprint.testsupport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.local.LocalStack;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the test servers are the real thing, through each server's own client: Cassandra
 * 5.0 over CQL, a Kafka KRaft cluster through the Admin API, Redis through Lettuce.
 */
class RealServersIntegrationTests {

	private final LocalStack.Endpoints endpoints = TestInfrastructure.local();

	@Test
	void cassandraIsARealCassandra50Node() {
		String[] hostPort = this.endpoints.cassandraContactPoint().split(":");
		try (CqlSession session = CqlSession.builder()
			.addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
			.withLocalDatacenter("datacenter1")
			.build()) {
			String version = session.execute("SELECT release_version FROM system.local").one().getString(0);
			assertThat(version).startsWith("5.0.");
		}
	}

	@Test
	void kafkaIsARealKraftClusterWithTheLaunchersClusterId() throws Exception {
		try (Admin admin = Admin
			.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.endpoints.kafkaBootstrapServers()))) {
			String clusterId = admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
			int nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
			assertThat(clusterId).isEqualTo("Ymx1ZXByaW50LWxvY2FsMQ");
			assertThat(nodes).isEqualTo(1);
		}
	}

	@Test
	void redisIsARealRedisServerWithLruEviction() {
		RedisClient client = RedisClient.create(RedisURI.builder()
			.withHost("127.0.0.1")
			.withPort(this.endpoints.redisPort())
			.withTimeout(Duration.ofSeconds(5))
			.build());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			String info = connection.sync().info("server");
			assertThat(info).contains("redis_version:").containsPattern("redis_mode:standalone");
			assertThat(connection.sync().configGet("maxmemory-policy")).containsEntry("maxmemory-policy",
					"allkeys-lru");
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void testServersRunOnTheirOwnPortsAwayFromADeveloperStack() {
		assertThat(this.endpoints.redisPort()).isEqualTo(16379);
		assertThat(this.endpoints.kafkaBootstrapServers()).isEqualTo("127.0.0.1:19092");
		assertThat(this.endpoints.cassandraContactPoint()).isEqualTo("127.0.0.1:19042");
	}

}
