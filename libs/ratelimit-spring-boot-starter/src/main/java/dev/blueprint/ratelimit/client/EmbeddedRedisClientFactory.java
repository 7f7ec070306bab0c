package dev.blueprint.ratelimit.client;

import java.time.Duration;
import java.util.List;

import dev.blueprint.ratelimit.redis.RedisClientFactory;
import io.lettuce.core.RedisURI;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Embedded mode's Redis client, from Spring Boot's {@code spring.data.redis.*} read the
 * way Boot reads them: {@code cluster.nodes} wins over {@code url}, which wins over
 * {@code host} and {@code port}; {@code username}, {@code password} and
 * {@code ssl.enabled} apply to every node, {@code database} to host and port (a URL names
 * its own). Sentinel is refused at start-up. Reading host and port alone sent production
 * (which sets only cluster nodes) to 127.0.0.1, where every fail-open rule let all
 * requests through. The client itself is core's {@link RedisClientFactory}, as
 * rate-limiter-service's.
 */
final class EmbeddedRedisClientFactory {

	private static final String PREFIX = "spring.data.redis.";

	private EmbeddedRedisClientFactory() {
	}

	/**
	 * @param environment where {@code spring.data.redis.*} are
	 * @param timeout how long a decision may take
	 * @return the factory
	 */
	static RedisClientFactory from(Environment environment, Duration timeout) {
		// A Binder, not getProperty: cluster.nodes is often a YAML list (nodes[0], ...).
		Binder binder = Binder.get(environment);
		if (binder.bind(PREFIX + "sentinel.master", String.class).map(StringUtils::hasLength).orElse(false)) {
			// Connected to host instead, every decision failed over to the failure
			// policy.
			throw new IllegalStateException("spring.data.redis.sentinel.* is not supported by embedded rate "
					+ "limiting: set spring.data.redis.cluster.nodes, url, or host and port");
		}
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
		if (!nodes.isEmpty()) {
			List<RedisURI> uris = nodes.stream().map((node) -> node(node, username, password, ssl, timeout)).toList();
			Duration period = binder.bind(PREFIX + "lettuce.cluster.refresh.period", Duration.class).orElse(null);
			// On unless switched off: a failover is followed at the first MOVED, ASK or
			// reconnect, not at the next period.
			boolean adaptive = binder.bind(PREFIX + "lettuce.cluster.refresh.adaptive", Boolean.class).orElse(true);
			return RedisClientFactory.cluster(uris, timeout, period, adaptive);
		}
		String url = binder.bind(PREFIX + "url", String.class).orElse(null);
		if (StringUtils.hasLength(url)) {
			return RedisClientFactory.standalone(RedisClientFactory.url(url, ssl, timeout), timeout);
		}
		String host = binder.bind(PREFIX + "host", String.class).orElse("127.0.0.1");
		int port = binder.bind(PREFIX + "port", Integer.class).orElse(RedisURI.DEFAULT_REDIS_PORT);
		RedisURI uri = RedisClientFactory.uri(host, port, username, password, ssl, timeout);
		uri.setDatabase(binder.bind(PREFIX + "database", Integer.class).orElse(0));
		return RedisClientFactory.standalone(uri, timeout);
	}

	private static RedisURI node(String node, String username, String password, boolean ssl, Duration timeout) {
		try {
			return RedisClientFactory.node(node, username, password, ssl, timeout);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(
					"spring.data.redis.cluster.nodes: " + ex.getMessage() + " (embedded rate limiting)", ex);
		}
	}

}
