package dev.blueprint.ratelimit.limiter;

import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.redis.RedisClientFactory;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Which Redis the service decides on, from Boot's {@code spring.data.redis.*}: the
 * production overlay sets cluster nodes, and a managed Redis needs a username and TLS. No
 * server is contacted.
 */
class LimiterConfigurationTests {

	private static final Duration TIMEOUT = Duration.ofMillis(250);

	@Test
	void clusterNodesWinAndCarryUsernamePasswordAndTls() {
		DataRedisProperties redis = new DataRedisProperties();
		redis.setHost("127.0.0.1");
		DataRedisProperties.Cluster cluster = new DataRedisProperties.Cluster();
		cluster.setNodes(List.of("redis-0.redis:7000", " redis-1.redis:7001", " "));
		redis.setCluster(cluster);
		redis.setUsername("ratelimit");
		redis.setPassword("s3cret");
		redis.getSsl().setEnabled(true);
		redis.getLettuce().getCluster().getRefresh().setPeriod(Duration.ofSeconds(10));

		RedisClientFactory factory = LimiterConfiguration.clientFactory(redis, TIMEOUT);

		assertThat(factory.cluster()).isTrue();
		assertThat(factory.uris()).extracting(RedisURI::getHost).containsExactly("redis-0.redis", "redis-1.redis");
		assertThat(factory.uris()).allSatisfy((uri) -> {
			assertThat(uri.isSsl()).isTrue();
			assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
			assertThat(credentials(uri).getPassword()).containsExactly("s3cret".toCharArray());
		});
		assertThat(factory.clusterOptions().getTopologyRefreshOptions().getRefreshPeriod())
			.isEqualTo(Duration.ofSeconds(10));
		assertThat(factory.clusterOptions().getTopologyRefreshOptions().getAdaptiveRefreshTriggers()).isNotEmpty();
	}

	@Test
	void aUrlWinsOverHostAndPort() {
		DataRedisProperties redis = new DataRedisProperties();
		redis.setHost("127.0.0.1");
		redis.setUrl("rediss://ratelimit:s3cret@redis.internal:6390");

		RedisClientFactory factory = LimiterConfiguration.clientFactory(redis, TIMEOUT);

		assertThat(factory.cluster()).isFalse();
		assertThat(factory.uris()).singleElement().satisfies((uri) -> {
			assertThat(uri.getHost()).isEqualTo("redis.internal");
			assertThat(uri.getPort()).isEqualTo(6390);
			assertThat(uri.isSsl()).isTrue();
			assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
		});
	}

	@Test
	void hostAndPortWithUsername() {
		DataRedisProperties redis = new DataRedisProperties();
		redis.setHost("redis.internal");
		redis.setPort(6380);
		redis.setUsername("ratelimit");
		redis.setPassword("s3cret");
		redis.setDatabase(3);

		RedisClientFactory factory = LimiterConfiguration.clientFactory(redis, TIMEOUT);

		assertThat(factory.cluster()).isFalse();
		assertThat(factory.uris()).singleElement().satisfies((uri) -> {
			assertThat(uri.getHost()).isEqualTo("redis.internal");
			assertThat(uri.getPort()).isEqualTo(6380);
			assertThat(uri.getDatabase()).as("the database the rule store uses").isEqualTo(3);
			assertThat(uri.isSsl()).isFalse();
			assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
		});
	}

	@Test
	void aNodeWithoutAPortIsRefusedNamingTheProperty() {
		DataRedisProperties redis = new DataRedisProperties();
		DataRedisProperties.Cluster cluster = new DataRedisProperties.Cluster();
		cluster.setNodes(List.of("redis-0.redis"));
		redis.setCluster(cluster);

		assertThatIllegalStateException().isThrownBy(() -> LimiterConfiguration.clientFactory(redis, TIMEOUT))
			.withMessage("spring.data.redis.cluster.nodes: 'redis-0.redis' is not host:port");
	}

	@Test
	void sentinelIsRefusedNamingTheProperty() {
		DataRedisProperties redis = new DataRedisProperties();
		DataRedisProperties.Sentinel sentinel = new DataRedisProperties.Sentinel();
		sentinel.setMaster("main");
		sentinel.setNodes(List.of("sentinel-0:26379"));
		redis.setSentinel(sentinel);

		assertThatIllegalStateException().isThrownBy(() -> LimiterConfiguration.clientFactory(redis, TIMEOUT))
			.withMessageStartingWith("spring.data.redis.sentinel.* is not supported");
	}

	private static RedisCredentials credentials(RedisURI uri) {
		return uri.getCredentialsProvider().resolveCredentials().block();
	}

}
