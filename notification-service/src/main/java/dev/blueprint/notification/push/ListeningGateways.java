package dev.blueprint.notification.push;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.blueprint.chat.contracts.GatewayDelivery;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Which gateway instances still listen on their delivery channel ({@code PUBSUB NUMSUB},
 * one command for all): a gateway that died keeps its users' leases alive for up to a
 * lease (30 s), and a message published to it then reaches nobody. Its users are offline
 * for the push listener, as a dead gateway's sessions are for everything it does.
 */
public class ListeningGateways {

	private static final Logger logger = LoggerFactory.getLogger(ListeningGateways.class);

	private static final String PREFIX = GatewayDelivery.channel("");

	private final StringRedisTemplate redis;

	private final Duration timeout;

	private final boolean counted;

	/**
	 * @param timeout how long the count may take (the Redis command timeout)
	 */
	public ListeningGateways(StringRedisTemplate redis, Duration timeout) {
		this.redis = redis;
		this.timeout = timeout;
		this.counted = !clustered(redis.getConnectionFactory());
		if (!this.counted) {
			logger.info("Redis Cluster: PUBSUB NUMSUB counts one node's subscribers only, so every gateway with live "
					+ "leases counts as listening (a dead gateway's users get no push until their leases end)");
		}
	}

	/**
	 * Whether {@code connections} are to a Redis Cluster, where {@code PUBLISH} and
	 * {@code PUBSUB NUMSUB} count only the subscribers of the node asked: a gateway
	 * subscribed on another node counts 0 there.
	 */
	public static boolean clustered(RedisConnectionFactory connections) {
		return connections instanceof LettuceConnectionFactory lettuce && lettuce.getClusterConfiguration() != null;
	}

	/**
	 * The gateways of {@code gatewayIds} with at least one subscriber on their channel.
	 */
	public Set<String> of(Collection<String> gatewayIds) {
		List<String> ids = List.copyOf(new LinkedHashSet<>(gatewayIds));
		if (ids.isEmpty()) {
			return Set.of();
		}
		if (!this.counted) {
			return Set.copyOf(ids);
		}
		byte[][] channels = new byte[ids.size()][];
		for (int i = 0; i < ids.size(); i++) {
			channels[i] = GatewayDelivery.channel(ids.get(i)).getBytes(StandardCharsets.UTF_8);
		}
		// Lettuce's own command: Spring Data's connection.execute reads every answer as
		// bytes, and PUBSUB NUMSUB answers an array of channels and counts.
		Map<byte[], Long> counts = this.redis.execute((RedisCallback<Map<byte[], Long>>) (connection) -> {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) connection
				.getNativeConnection();
			try {
				return commands.pubsubNumsub(channels).get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new QueryTimeoutException("Interrupted while counting the gateways' subscribers", ex);
			}
			catch (ExecutionException | TimeoutException ex) {
				throw new QueryTimeoutException("PUBSUB NUMSUB of " + ids.size() + " gateway channels failed: " + ex,
						ex);
			}
		});
		Set<String> listening = new HashSet<>();
		if (counts != null) {
			counts.forEach((channel, count) -> {
				if (count != null && count > 0) {
					listening.add(new String(channel, StandardCharsets.UTF_8).substring(PREFIX.length()));
				}
			});
		}
		return listening;
	}

}
