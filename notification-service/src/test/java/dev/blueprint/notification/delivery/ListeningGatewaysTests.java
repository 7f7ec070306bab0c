package dev.blueprint.notification.delivery;

import java.util.List;
import java.util.Set;

import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which Redis counts one node's subscribers (the counts themselves: PushIntegrationTests
 * and DeliveryIntegrationTests against the real server,
 * NotificationRedisClusterIntegrationTests against a real cluster).
 */
class ListeningGatewaysTests {

	@Test
	void aClusterConfigurationIsACluster() {
		assertThat(ListeningGateways
			.clustered(new LettuceConnectionFactory(new RedisClusterConfiguration(List.of("127.0.0.1:1"))))).isTrue();
	}

	@Test
	void onlyNodesThatCanAnswerAreAsked() {
		assertThat(ListeningGateways.answers(node(true))).isTrue();
		assertThat(ListeningGateways.answers(node(true, NodeFlag.REPLICA))).isTrue();
		assertThat(ListeningGateways.answers(node(false))).as("disconnected").isFalse();
		for (NodeFlag flag : List.of(NodeFlag.FAIL, NodeFlag.EVENTUAL_FAIL, NodeFlag.HANDSHAKE, NodeFlag.NOADDR)) {
			assertThat(ListeningGateways.answers(node(true, NodeFlag.MASTER, flag))).as(flag.name()).isFalse();
		}
	}

	private static RedisClusterNode node(boolean connected, NodeFlag... flags) {
		RedisClusterNode node = new RedisClusterNode();
		node.setConnected(connected);
		node.setFlags(flags.length == 0 ? Set.of(NodeFlag.MASTER) : Set.of(flags));
		return node;
	}

	@Test
	void aStandaloneRedisIsNot() {
		assertThat(ListeningGateways.clustered(new LettuceConnectionFactory(new RedisStandaloneConfiguration())))
			.isFalse();
	}

}
