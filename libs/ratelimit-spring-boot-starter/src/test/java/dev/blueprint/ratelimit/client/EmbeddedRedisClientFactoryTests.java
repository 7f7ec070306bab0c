package dev.blueprint.ratelimit.client;

import java.time.Duration;

import dev.blueprint.ratelimit.redis.RedisClientFactory;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Which Redis embedded mode talks to, from {@code spring.data.redis.*}: the production
 * overlay sets only {@code cluster.nodes} (and the services keep a host that defaults to
 * 127.0.0.1), so the nodes must win. No server is contacted; the client's options are
 * core's ({@code RedisClientFactoryTests}).
 */
class EmbeddedRedisClientFactoryTests {

	private static final Duration TIMEOUT = Duration.ofMillis(250);

	@Test
	void clusterNodesWinOverHostAndPort() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.host", "127.0.0.1")
			.withProperty("spring.data.redis.port", "6379")
			.withProperty("spring.data.redis.cluster.nodes", "redis-0.redis:7000, redis-1.redis:7001")
			.withProperty("spring.data.redis.username", "ratelimit")
			.withProperty("spring.data.redis.password", "s3cret")
			.withProperty("spring.data.redis.ssl.enabled", "true");

		RedisClientFactory factory = EmbeddedRedisClientFactory.from(environment, TIMEOUT);

		assertThat(factory.cluster()).isTrue();
		assertThat(factory.uris()).extracting(RedisURI::getHost).containsExactly("redis-0.redis", "redis-1.redis");
		assertThat(factory.uris()).extracting(RedisURI::getPort).containsExactly(7000, 7001);
		assertThat(factory.uris()).allSatisfy((uri) -> {
			assertThat(uri.isSsl()).isTrue();
			assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
			assertThat(credentials(uri).getPassword()).containsExactly("s3cret".toCharArray());
		});
	}

	@Test
	void clusterNodesMayBeAYamlList() {
		MockEnvironment environment = new MockEnvironment()
			.withProperty("spring.data.redis.cluster.nodes[0]", "10.0.0.1:6379")
			.withProperty("spring.data.redis.cluster.nodes[1]", "10.0.0.2:6379");

		RedisClientFactory factory = EmbeddedRedisClientFactory.from(environment, TIMEOUT);

		assertThat(factory.cluster()).isTrue();
		assertThat(factory.uris()).extracting(RedisURI::getHost).containsExactly("10.0.0.1", "10.0.0.2");
		assertThat(factory.uris()).allSatisfy((uri) -> {
			assertThat(uri.isSsl()).isFalse();
			assertThat(uri.getDatabase()).isZero();
			assertThat(credentials(uri).hasPassword()).isFalse();
		});
	}

	@Test
	void bootsRefreshSettingsApply() {
		MockEnvironment environment = new MockEnvironment()
			.withProperty("spring.data.redis.cluster.nodes", "redis:7000")
			.withProperty("spring.data.redis.lettuce.cluster.refresh.period", "10s")
			.withProperty("spring.data.redis.lettuce.cluster.refresh.adaptive", "false");

		ClusterTopologyRefreshOptions refresh = EmbeddedRedisClientFactory.from(environment, TIMEOUT)
			.clusterOptions()
			.getTopologyRefreshOptions();

		assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(10));
		assertThat(refresh.getAdaptiveRefreshTriggers()).isEmpty();
	}

	@Test
	void standaloneWithoutClusterNodes() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.host", "redis.internal")
			.withProperty("spring.data.redis.port", "6380")
			.withProperty("spring.data.redis.username", "ratelimit")
			.withProperty("spring.data.redis.password", "s3cret")
			.withProperty("spring.data.redis.ssl.enabled", "true")
			.withProperty("spring.data.redis.database", "3");

		RedisClientFactory factory = EmbeddedRedisClientFactory.from(environment, TIMEOUT);

		assertThat(factory.cluster()).isFalse();
		assertThat(factory.uris()).singleElement().satisfies((uri) -> {
			assertThat(uri.getHost()).isEqualTo("redis.internal");
			assertThat(uri.getPort()).isEqualTo(6380);
			assertThat(uri.getDatabase()).as("the database the application's Redis uses").isEqualTo(3);
			assertThat(uri.isSsl()).isTrue();
			assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
			assertThat(credentials(uri).getPassword()).containsExactly("s3cret".toCharArray());
		});
	}

	@Test
	void standaloneDefaultsToTheLocalRedis() {
		RedisClientFactory factory = EmbeddedRedisClientFactory.from(new MockEnvironment(), TIMEOUT);

		assertThat(factory.cluster()).isFalse();
		assertThat(factory.uris()).singleElement().satisfies((uri) -> {
			assertThat(uri.getHost()).isEqualTo("127.0.0.1");
			assertThat(uri.getPort()).isEqualTo(6379);
			assertThat(uri.isSsl()).isFalse();
			assertThat(uri.getDatabase()).isZero();
			assertThat(credentials(uri).hasPassword()).isFalse();
		});
	}

	@Test
	void aUrlWinsOverHostAndPort() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.host", "127.0.0.1")
			.withProperty("spring.data.redis.url", "rediss://ratelimit:s3cret@redis.internal:6390");

		RedisClientFactory factory = EmbeddedRedisClientFactory.from(environment, TIMEOUT);

		assertThat(factory.cluster()).isFalse();
		assertThat(factory.uris()).singleElement().satisfies((uri) -> {
			assertThat(uri.getHost()).isEqualTo("redis.internal");
			assertThat(uri.getPort()).isEqualTo(6390);
			assertThat(uri.isSsl()).isTrue();
			assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
			assertThat(credentials(uri).getPassword()).containsExactly("s3cret".toCharArray());
		});
	}

	@Test
	void anSslBundleMeansSsl() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.ssl.bundle", "redis");

		assertThat(EmbeddedRedisClientFactory.from(environment, TIMEOUT).uris().get(0).isSsl()).isTrue();
	}

	@Test
	void rejectsANodeWithoutAPort() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.cluster.nodes", "redis");

		assertThatIllegalStateException().isThrownBy(() -> EmbeddedRedisClientFactory.from(environment, TIMEOUT))
			.withMessageContaining("'redis' is not host:port");
	}

	@Test
	void sentinelIsRefusedNamingTheProperty() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.sentinel.master", "main")
			.withProperty("spring.data.redis.sentinel.nodes", "sentinel-0:26379");

		assertThatIllegalStateException().isThrownBy(() -> EmbeddedRedisClientFactory.from(environment, TIMEOUT))
			.withMessageContaining("spring.data.redis.sentinel.* is not supported");
	}

	private static RedisCredentials credentials(RedisURI uri) {
		return uri.getCredentialsProvider().resolveCredentials().block();
	}

}
