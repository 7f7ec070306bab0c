package dev.blueprint.testsupport;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.local.LocalStack;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

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
		int offset = Integer.getInteger("blueprint.test-infra.port-offset", 10000);
		assertThat(offset).isPositive();
		assertThat(this.endpoints.redisPort()).isEqualTo(6379 + offset);
		assertThat(this.endpoints.kafkaBootstrapServers()).isEqualTo("127.0.0.1:" + (9092 + offset));
		assertThat(this.endpoints.cassandraContactPoint()).isEqualTo("127.0.0.1:" + (9042 + offset));
	}

	@Test
	void aStoppedServerRefusesConnectionsAndComesBackWithItsData() throws Exception {
		try (Admin admin = admin()) {
			admin.createTopics(List.of(new NewTopic("restart-probe", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			assertThat(ex).hasCauseInstanceOf(TopicExistsException.class);
		}
		int port = Integer.parseInt(this.endpoints.kafkaBootstrapServers().split(":")[1]);
		TestInfrastructure.stopServer("kafka");
		try (Socket socket = new Socket()) {
			assertThatIOException().isThrownBy(() -> socket.connect(new InetSocketAddress("127.0.0.1", port), 500));
		}
		finally {
			TestInfrastructure.startServer("kafka");
		}
		try (Admin admin = admin()) {
			assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains("restart-probe");
		}
	}

	private Admin admin() {
		return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.endpoints.kafkaBootstrapServers()));
	}

}
