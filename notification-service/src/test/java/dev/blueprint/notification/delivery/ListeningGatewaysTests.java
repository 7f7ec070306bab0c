package dev.blueprint.notification.delivery;

import java.util.List;

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
	void aStandaloneRedisIsNot() {
		assertThat(ListeningGateways.clustered(new LettuceConnectionFactory(new RedisStandaloneConfiguration())))
			.isFalse();
	}

}
