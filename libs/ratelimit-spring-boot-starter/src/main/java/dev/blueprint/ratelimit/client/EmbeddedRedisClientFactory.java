package dev.blueprint.ratelimit.client;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StaticCredentialsProvider;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Builds embedded mode's Lettuce client from Spring Boot's {@code spring.data.redis.*},
 * read the way Boot reads them: {@code cluster.nodes} wins over {@code url}, which wins
 * over {@code host} and {@code port}; {@code username}, {@code password} and
 * {@code ssl.enabled} apply to every node. Reading host and port alone sent production
 * (which sets only cluster nodes) to 127.0.0.1, where every fail-open rule let all
 * requests through.
 * <p>
 * The client fails fast like rate-limiter-service's: commands are rejected while
 * disconnected and time out after the decision's timeout. A cluster client also refreshes
 * its topology, periodically and on MOVED/ASK redirects and reconnects, so it follows a
 * failover or a resharding instead of asking a node that is gone.
 */
final class EmbeddedRedisClientFactory implements Function<ClientResources, AbstractRedisClient> {

	/**
	 * The refresh period when {@code spring.data.redis.lettuce.cluster.refresh.period} is
	 * unset (Boot would then not refresh periodically at all).
	 */
	static final Duration DEFAULT_REFRESH_PERIOD = Duration.ofSeconds(30);

	private static final String PREFIX = "spring.data.redis.";

	private final List<RedisURI> uris;

	private final boolean cluster;

	private final Duration timeout;

	private final Duration refreshPeriod;

	private final boolean adaptiveRefresh;

	private EmbeddedRedisClientFactory(List<RedisURI> uris, boolean cluster, Duration timeout, Duration refreshPeriod,
			boolean adaptiveRefresh) {
		this.uris = List.copyOf(uris);
		this.cluster = cluster;
		this.timeout = timeout;
		this.refreshPeriod = refreshPeriod;
		this.adaptiveRefresh = adaptiveRefresh;
	}

	/**
	 * @param environment where {@code spring.data.redis.*} are
	 * @param timeout how long a decision may take
	 * @return the factory
	 */
	static EmbeddedRedisClientFactory from(Environment environment, Duration timeout) {
		// A Binder, not getProperty: cluster.nodes is often a YAML list (nodes[0], ...).
		Binder binder = Binder.get(environment);
		List<String> nodes = binder.bind(PREFIX + "cluster.nodes", Bindable.listOf(String.class))
			.orElse(List.of())
			.stream()
			.map(String::trim)
			.filter(StringUtils::hasLength)
			.toList();
		String username = binder.bind(PREFIX + "username", String.class).orElse(null);
		String password = binder.bind(PREFIX + "password", String.class).orElse(null);
		// As Boot: SSL when enabled, or when unset but a bundle is named.
		boolean ssl = binder.bind(PREFIX + "ssl.enabled", Boolean.class)
			.orElse(binder.bind(PREFIX + "ssl.bundle", String.class).isBound());
		Duration period = binder.bind(PREFIX + "lettuce.cluster.refresh.period", Duration.class)
			.orElse(DEFAULT_REFRESH_PERIOD);
		// On unless switched off: a failover is followed at the first MOVED, ASK or
		// reconnect, not at the next period.
		boolean adaptive = binder.bind(PREFIX + "lettuce.cluster.refresh.adaptive", Boolean.class).orElse(true);
		if (!nodes.isEmpty()) {
			List<RedisURI> uris = nodes.stream()
				.map((node) -> uri(host(node), port(node), username, password, ssl, timeout))
				.toList();
			return new EmbeddedRedisClientFactory(uris, true, timeout, period, adaptive);
		}
		String url = binder.bind(PREFIX + "url", String.class).orElse(null);
		if (StringUtils.hasLength(url)) {
			// the URL carries credentials, database and rediss:// itself
			RedisURI uri = RedisURI.create(url);
			uri.setTimeout(handshakeTimeout(timeout));
			if (ssl) {
				uri.setSsl(true);
			}
			return new EmbeddedRedisClientFactory(List.of(uri), false, timeout, period, adaptive);
		}
		String host = binder.bind(PREFIX + "host", String.class).orElse("127.0.0.1");
		int port = binder.bind(PREFIX + "port", Integer.class).orElse(RedisURI.DEFAULT_REDIS_PORT);
		return new EmbeddedRedisClientFactory(List.of(uri(host, port, username, password, ssl, timeout)), false,
				timeout, period, adaptive);
	}

	/** Whether it makes a cluster client (cluster nodes are set). */
	boolean cluster() {
		return this.cluster;
	}

	/** The standalone server, or the cluster's seed nodes. */
	List<RedisURI> uris() {
		return this.uris;
	}

	ClientOptions standaloneOptions() {
		return ClientOptions.builder()
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.timeoutOptions(TimeoutOptions.enabled(this.timeout))
			.socketOptions(SocketOptions.builder().connectTimeout(this.timeout).build())
			.build();
	}

	ClusterClientOptions clusterOptions() {
		ClusterTopologyRefreshOptions.Builder refresh = ClusterTopologyRefreshOptions.builder()
			.enablePeriodicRefresh(this.refreshPeriod);
		// explicit both ways: Lettuce's own default has changed between versions
		if (this.adaptiveRefresh) {
			refresh.enableAllAdaptiveRefreshTriggers();
		}
		else {
			refresh.disableAllAdaptiveRefreshTriggers();
		}
		return ClusterClientOptions.builder()
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.timeoutOptions(TimeoutOptions.enabled(this.timeout))
			.socketOptions(SocketOptions.builder().connectTimeout(this.timeout).build())
			.topologyRefreshOptions(refresh.build())
			.build();
	}

	@Override
	public AbstractRedisClient apply(ClientResources resources) {
		if (this.cluster) {
			RedisClusterClient client = RedisClusterClient.create(resources, this.uris);
			client.setOptions(clusterOptions());
			return client;
		}
		RedisClient client = RedisClient.create(resources, this.uris.get(0));
		client.setOptions(standaloneOptions());
		return client;
	}

	@Override
	public String toString() {
		return (this.cluster ? "cluster " : "standalone ")
				+ this.uris.stream().map((uri) -> uri.getHost() + ":" + uri.getPort()).toList();
	}

	private static RedisURI uri(String host, int port, String username, String password, boolean ssl,
			Duration timeout) {
		RedisURI uri = RedisURI.builder()
			.withHost(host)
			.withPort(port)
			.withSsl(ssl)
			.withTimeout(handshakeTimeout(timeout))
			.build();
		// AUTH needs a password; a username alone means nothing to Redis
		if (StringUtils.hasLength(password)) {
			String user = StringUtils.hasLength(username) ? username : null;
			uri.setCredentialsProvider(new StaticCredentialsProvider(user, password.toCharArray()));
		}
		return uri;
	}

	// The connection handshake (HELLO, PING) uses the URI's timeout; commands use
	// TimeoutOptions. A loaded machine can take longer than a decision's budget to set
	// up.
	private static Duration handshakeTimeout(Duration timeout) {
		return (timeout.compareTo(Duration.ofSeconds(2)) > 0) ? timeout : Duration.ofSeconds(2);
	}

	private static String host(String node) {
		int colon = node.lastIndexOf(':');
		if (colon < 1) {
			throw new IllegalStateException(
					"spring.data.redis.cluster.nodes: '" + node + "' is not host:port (embedded rate limiting)");
		}
		String host = node.substring(0, colon);
		// [::1]:6379
		return (host.startsWith("[") && host.endsWith("]")) ? host.substring(1, host.length() - 1) : host;
	}

	private static int port(String node) {
		try {
			return Integer.parseInt(node.substring(node.lastIndexOf(':') + 1));
		}
		catch (NumberFormatException ex) {
			throw new IllegalStateException(
					"spring.data.redis.cluster.nodes: '" + node + "' is not host:port (embedded rate limiting)", ex);
		}
	}

}
