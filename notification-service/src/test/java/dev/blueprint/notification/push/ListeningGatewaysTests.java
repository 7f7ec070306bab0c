package dev.blueprint.notification.push;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On a Redis Cluster a subscriber count is one node's, so no gateway is taken for gone
 * there (the standalone count is in PushIntegrationTests, against the real server).
 */
class ListeningGatewaysTests {

	@Test
	void onARedisClusterEveryGatewayCountsAsListeningWithoutAskingRedis() {
		LettuceConnectionFactory cluster = new LettuceConnectionFactory(
				new RedisClusterConfiguration(List.of("127.0.0.1:1")));
		assertThat(ListeningGateways.clustered(cluster)).isTrue();
		// never started: a command would fail
		ListeningGateways gateways = new ListeningGateways(new StringRedisTemplate(cluster), Duration.ofSeconds(1));
		assertThat(gateways.of(List.of("gw-a", "gw-b", "gw-a"))).containsExactlyInAnyOrder("gw-a", "gw-b");
	}

	@Test
	void aStandaloneRedisCountsEverySubscriber() {
		assertThat(ListeningGateways.clustered(new LettuceConnectionFactory(new RedisStandaloneConfiguration())))
			.isFalse();
	}

}
