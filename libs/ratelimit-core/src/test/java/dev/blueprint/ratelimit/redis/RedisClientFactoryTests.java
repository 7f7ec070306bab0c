package dev.blueprint.ratelimit.redis;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The clients both rate-limiter-service and the starter's embedded mode decide on. No
 * server is contacted.
 */
class RedisClientFactoryTests {

	private static final Duration TIMEOUT = Duration.ofMillis(250);

	@Test
	void aServerWithCredentialsAndTls() {
		RedisURI uri = RedisClientFactory.uri("redis.internal", 6380, "ratelimit", "s3cret", true, TIMEOUT);

		assertThat(uri.getHost()).isEqualTo("redis.internal");
		assertThat(uri.getPort()).isEqualTo(6380);
		assertThat(uri.isSsl()).isTrue();
		assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
		assertThat(credentials(uri).getPassword()).containsExactly("s3cret".toCharArray());
		assertThat(uri.getTimeout()).as("the handshake gets at least 2 s").isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void aUsernameWithoutAPasswordIsNoLogin() {
		RedisURI uri = RedisClientFactory.uri("redis", 6379, "ratelimit", "", false, TIMEOUT);

		assertThat(credentials(uri).hasUsername()).isFalse();
		assertThat(credentials(uri).hasPassword()).isFalse();
	}

	@Test
	void aPasswordAloneLogsInAsTheDefaultUser() {
		RedisURI uri = RedisClientFactory.uri("redis", 6379, null, "s3cret", false, TIMEOUT);

		assertThat(credentials(uri).hasUsername()).isFalse();
		assertThat(credentials(uri).getPassword()).containsExactly("s3cret".toCharArray());
	}

	@Test
	void clusterNodesAreHostAndPort() {
		assertThat(RedisClientFactory.node("redis-0.redis:7000", null, null, false, TIMEOUT))
			.satisfies((uri) -> assertThat(uri.getHost()).isEqualTo("redis-0.redis"))
			.satisfies((uri) -> assertThat(uri.getPort()).isEqualTo(7000));
		assertThat(RedisClientFactory.node("[::1]:6379", null, null, false, TIMEOUT).getHost()).isEqualTo("::1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RedisClientFactory.node("redis", null, null, false, TIMEOUT))
			.withMessage("'redis' is not host:port");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RedisClientFactory.node("redis:http", null, null, false, TIMEOUT))
			.withMessage("'redis:http' is not host:port");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RedisClientFactory.node(":6379", null, null, false, TIMEOUT));
	}

	@Test
	void aUrlCarriesItsCredentialsAndSslMayBeForced() {
		RedisURI uri = RedisClientFactory.url("redis://ratelimit:s3cret@redis.internal:6390/2", true, TIMEOUT);

		assertThat(uri.getHost()).isEqualTo("redis.internal");
		assertThat(uri.getPort()).isEqualTo(6390);
		assertThat(uri.getDatabase()).isEqualTo(2);
		assertThat(uri.isSsl()).isTrue();
		assertThat(credentials(uri).getUsername()).isEqualTo("ratelimit");
		assertThat(RedisClientFactory.url("redis://redis:6379", false, TIMEOUT).isSsl()).isFalse();
	}

	@Test
	void theStandaloneClientFailsFast() {
		ClientOptions options = RedisClientFactory
			.standalone(RedisClientFactory.uri("redis", 6379, null, null, false, TIMEOUT), TIMEOUT)
			.standaloneOptions();

		assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
		assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(TIMEOUT);
		assertThat(options.getTimeoutOptions().isTimeoutCommands()).isTrue();
	}

	@Test
	void theClusterClientFailsFastAndRefreshesItsTopology() {
		RedisClientFactory factory = RedisClientFactory.cluster(List.of(node("a:7000"), node("b:7001")), TIMEOUT, null,
				true);

		ClusterClientOptions options = factory.clusterOptions();
		ClusterTopologyRefreshOptions refresh = options.getTopologyRefreshOptions();
		assertThat(factory.cluster()).isTrue();
		assertThat(factory.uris()).extracting(RedisURI::getHost).containsExactly("a", "b");
		assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
		assertThat(refresh.getRefreshPeriod()).isEqualTo(RedisClientFactory.DEFAULT_REFRESH_PERIOD);
		assertThat(refresh.getAdaptiveRefreshTriggers()).containsExactlyInAnyOrder(RefreshTrigger.values());
		assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
		assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(TIMEOUT);
		assertThat(options.getTimeoutOptions().isTimeoutCommands()).isTrue();
	}

	@Test
	void adaptiveRefreshMayBeSwitchedOff() {
		ClusterTopologyRefreshOptions refresh = RedisClientFactory
			.cluster(List.of(node("a:7000")), TIMEOUT, Duration.ofSeconds(10), false)
			.clusterOptions()
			.getTopologyRefreshOptions();

		assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(10));
		assertThat(refresh.getAdaptiveRefreshTriggers()).isEmpty();
	}

	@Test
	void aClusterNeedsASeed() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RedisClientFactory.cluster(List.of(), TIMEOUT, null, true));
	}

	@Test
	void makesTheClientOfItsMode() throws Exception {
		ClientResources resources = ClientResources.create();
		try {
			AbstractRedisClient cluster = RedisClientFactory.cluster(List.of(node("redis:7000")), TIMEOUT, null, true)
				.apply(resources);
			AbstractRedisClient standalone = RedisClientFactory.standalone(node("redis:6379"), TIMEOUT)
				.apply(resources);
			try {
				assertThat(cluster).isInstanceOf(RedisClusterClient.class);
				assertThat(cluster.getOptions()).isInstanceOfSatisfying(ClusterClientOptions.class,
						(options) -> assertThat(options.getTopologyRefreshOptions().isPeriodicRefreshEnabled())
							.isTrue());
				assertThat(standalone).isInstanceOf(RedisClient.class);
				assertThat(standalone.getOptions().getDisconnectedBehavior())
					.isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
			}
			finally {
				cluster.shutdown();
				standalone.shutdown();
			}
		}
		finally {
			resources.shutdown().get();
		}
	}

	private static RedisURI node(String node) {
		return RedisClientFactory.node(node, null, null, false, TIMEOUT);
	}

	private static RedisCredentials credentials(RedisURI uri) {
		return uri.getCredentialsProvider().resolveCredentials().block();
	}

}
