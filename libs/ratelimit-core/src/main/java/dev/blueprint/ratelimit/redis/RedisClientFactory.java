package dev.blueprint.ratelimit.redis;

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

/**
 * The Lettuce client a {@link LazyRedisRateLimitStore} decides on, for one standalone
 * server or a cluster, made the same way for rate-limiter-service and the client
 * starter's embedded mode (each reads its own settings and hands them here).
 * <p>
 * The client fails fast: commands are rejected while disconnected (instead of Lettuce's
 * default of queueing them until they time out), time out after the decision's timeout,
 * and connecting gives up after it too. A cluster client also refreshes its topology,
 * periodically and (unless switched off) on MOVED/ASK redirects and reconnects, so it
 * follows a failover or a resharding instead of asking a node that is gone.
 */
public final class RedisClientFactory implements Function<ClientResources, AbstractRedisClient> {

	/** The cluster topology refresh period when none is configured. */
	public static final Duration DEFAULT_REFRESH_PERIOD = Duration.ofSeconds(30);

	private final List<RedisURI> uris;

	private final boolean cluster;

	private final Duration timeout;

	private final Duration refreshPeriod;

	private final boolean adaptiveRefresh;

	private RedisClientFactory(List<RedisURI> uris, boolean cluster, Duration timeout, Duration refreshPeriod,
			boolean adaptiveRefresh) {
		this.uris = List.copyOf(uris);
		this.cluster = cluster;
		this.timeout = timeout;
		this.refreshPeriod = refreshPeriod;
		this.adaptiveRefresh = adaptiveRefresh;
	}

	/**
	 * A client of one server.
	 * @param uri the server (see {@link #uri} and {@link #url})
	 * @param timeout how long a decision may take
	 * @return the factory
	 */
	public static RedisClientFactory standalone(RedisURI uri, Duration timeout) {
		return new RedisClientFactory(List.of(uri), false, timeout, DEFAULT_REFRESH_PERIOD, true);
	}

	/**
	 * A cluster client.
	 * @param seeds nodes to learn the topology from (see {@link #node})
	 * @param timeout how long a decision may take
	 * @param refreshPeriod how often the topology is refreshed ({@code null}:
	 * {@link #DEFAULT_REFRESH_PERIOD})
	 * @param adaptiveRefresh whether MOVED/ASK redirects and reconnects refresh it too
	 * @return the factory
	 */
	public static RedisClientFactory cluster(List<RedisURI> seeds, Duration timeout, Duration refreshPeriod,
			boolean adaptiveRefresh) {
		if (seeds.isEmpty()) {
			throw new IllegalArgumentException("a Redis cluster needs at least one seed node");
		}
		return new RedisClientFactory(seeds, true, timeout,
				(refreshPeriod != null) ? refreshPeriod : DEFAULT_REFRESH_PERIOD, adaptiveRefresh);
	}

	/**
	 * A server by host and port.
	 * @param host the host name or address
	 * @param port the port
	 * @param username the ACL user, or {@code null} or empty for {@code default}
	 * @param password the password, or {@code null} or empty for none (a username alone
	 * means nothing to Redis and is ignored)
	 * @param ssl whether to connect with TLS
	 * @param timeout how long a decision may take
	 * @return the URI
	 */
	public static RedisURI uri(String host, int port, String username, String password, boolean ssl, Duration timeout) {
		RedisURI uri = RedisURI.builder()
			.withHost(host)
			.withPort(port)
			.withSsl(ssl)
			.withTimeout(handshakeTimeout(timeout))
			.build();
		if (hasText(password)) {
			uri.setCredentialsProvider(
					new StaticCredentialsProvider(hasText(username) ? username : null, password.toCharArray()));
		}
		return uri;
	}

	/**
	 * A cluster node given as {@code host:port} ({@code [::1]:6379} for an IPv6 address).
	 * @param node the node
	 * @param username as {@link #uri}
	 * @param password as {@link #uri}
	 * @param ssl as {@link #uri}
	 * @param timeout as {@link #uri}
	 * @return the URI
	 * @throws IllegalArgumentException if {@code node} is not {@code host:port}
	 */
	public static RedisURI node(String node, String username, String password, boolean ssl, Duration timeout) {
		int colon = node.lastIndexOf(':');
		if (colon < 1) {
			throw new IllegalArgumentException("'" + node + "' is not host:port");
		}
		String host = node.substring(0, colon);
		int port;
		try {
			port = Integer.parseInt(node.substring(colon + 1));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + node + "' is not host:port", ex);
		}
		if (host.startsWith("[") && host.endsWith("]")) {
			host = host.substring(1, host.length() - 1);
		}
		return uri(host, port, username, password, ssl, timeout);
	}

	/**
	 * A server by URL ({@code redis://user:password@host:port/database}, or
	 * {@code rediss://} for TLS), which carries its credentials and database itself.
	 * @param url the URL
	 * @param ssl TLS even if the URL does not ask for it
	 * @param timeout how long a decision may take
	 * @return the URI
	 */
	public static RedisURI url(String url, boolean ssl, Duration timeout) {
		RedisURI uri = RedisURI.create(url);
		uri.setTimeout(handshakeTimeout(timeout));
		if (ssl) {
			uri.setSsl(true);
		}
		return uri;
	}

	/** Whether it makes a cluster client. */
	public boolean cluster() {
		return this.cluster;
	}

	/** The standalone server, or the cluster's seed nodes. */
	public List<RedisURI> uris() {
		return this.uris;
	}

	/** The options of a standalone client. */
	public ClientOptions standaloneOptions() {
		return ClientOptions.builder()
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.timeoutOptions(TimeoutOptions.enabled(this.timeout))
			.socketOptions(SocketOptions.builder().connectTimeout(this.timeout).build())
			.build();
	}

	/** The options of a cluster client. */
	public ClusterClientOptions clusterOptions() {
		ClusterTopologyRefreshOptions.Builder refresh = ClusterTopologyRefreshOptions.builder()
			.enablePeriodicRefresh(this.refreshPeriod);
		// explicit both ways: Lettuce's own default has changed between versions
		if (this.adaptiveRefresh) {
			refresh.enableAllAdaptiveRefreshTriggers();
		}
		else {
			refresh.disableAllAdaptiveRefreshTriggers();
		}
		return ClusterClientOptions.builder(standaloneOptions()).topologyRefreshOptions(refresh.build()).build();
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

	// The connection handshake (HELLO, PING) uses the URI's timeout; commands use
	// TimeoutOptions. A loaded machine can take longer than a decision's budget to set
	// up.
	private static Duration handshakeTimeout(Duration timeout) {
		return (timeout.compareTo(Duration.ofSeconds(2)) > 0) ? timeout : Duration.ofSeconds(2);
	}

	private static boolean hasText(String value) {
		return value != null && !value.isEmpty();
	}

}
