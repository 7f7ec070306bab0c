package dev.blueprint.notification.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.blueprint.chat.contracts.GatewayDelivery;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
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
 * lease (30 s), and a message published to it then reaches nobody.
 * <p>
 * On a Redis Cluster every node is asked and the counts are added: there a node counts
 * only the subscribers connected to it (a {@code PUBLISH} reaches every node's, but
 * answers its own node's count), and a gateway subscribes through one node. Until
 * 2026-12-07 a cluster was not counted at all: every gateway counted as listening and
 * deliveries that reached nobody were not counted.
 */
public class ListeningGateways {

	private static final Logger logger = LoggerFactory.getLogger(ListeningGateways.class);

	private static final String PREFIX = GatewayDelivery.channel("");

	/** Past this many gateways remembered, the memory of answers starts again. */
	private static final int MAX_REMEMBERED = 10_000;

	private final StringRedisTemplate redis;

	private final Duration timeout;

	private final Duration recheck;

	private final boolean clustered;

	private final Map<String, Answer> answers = new ConcurrentHashMap<>();

	/**
	 * @param timeout how long a count may take (the Redis command timeout)
	 * @param recheck how long {@link #notListening} trusts an answer
	 */
	public ListeningGateways(StringRedisTemplate redis, Duration timeout, Duration recheck) {
		this.redis = redis;
		this.timeout = timeout;
		this.recheck = recheck;
		this.clustered = clustered(redis.getConnectionFactory());
		if (this.clustered) {
			logger.info("Redis Cluster: gateways' subscribers are counted on every node (PUBSUB NUMSUB on each)");
		}
	}

	/**
	 * Whether {@code connections} are to a Redis Cluster, where {@code PUBLISH} and
	 * {@code PUBSUB NUMSUB} count only the subscribers of the node asked.
	 */
	static boolean clustered(RedisConnectionFactory connections) {
		return connections instanceof LettuceConnectionFactory lettuce && lettuce.getClusterConfiguration() != null;
	}

	/**
	 * Whether this is a Redis Cluster: a publish's answer then counts one node's
	 * subscribers, not every gateway's.
	 */
	public boolean clustered() {
		return this.clustered;
	}

	/**
	 * The gateways of {@code gatewayIds} with at least one subscriber on their channel,
	 * asked now.
	 * @throws QueryTimeoutException when Redis did not answer in time
	 */
	public Set<String> of(Collection<String> gatewayIds) {
		List<String> ids = List.copyOf(new LinkedHashSet<>(gatewayIds));
		if (ids.isEmpty()) {
			return Set.of();
		}
		byte[][] channels = new byte[ids.size()][];
		for (int i = 0; i < ids.size(); i++) {
			channels[i] = GatewayDelivery.channel(ids.get(i)).getBytes(StandardCharsets.UTF_8);
		}
		// Lettuce's own command: Spring Data's connection.execute reads every answer as
		// bytes, and PUBSUB NUMSUB answers an array of channels and counts.
		Map<String, Long> counts = this.redis.execute((RedisCallback<Map<String, Long>>) (connection) -> {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) connection
				.getNativeConnection();
			try {
				return count(commands, channels);
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
				if (count > 0) {
					listening.add(channel.substring(PREFIX.length()));
				}
			});
		}
		long now = System.nanoTime();
		if (this.answers.size() > MAX_REMEMBERED) {
			this.answers.clear();
		}
		ids.forEach((id) -> this.answers.put(id, new Answer(listening.contains(id), now)));
		return listening;
	}

	/**
	 * The gateways of {@code gatewayIds} that nobody listens for, from answers up to
	 * {@code recheck} old (asking Redis for the others): for counting deliveries that
	 * reached no gateway on a cluster, where a publish's own answer cannot say, without a
	 * count of every node on every publish.
	 * @throws QueryTimeoutException when Redis did not answer in time
	 */
	public Set<String> notListening(Collection<String> gatewayIds) {
		long now = System.nanoTime();
		Set<String> notListening = new HashSet<>();
		List<String> ask = new ArrayList<>();
		for (String id : new LinkedHashSet<>(gatewayIds)) {
			Answer answer = this.answers.get(id);
			if (answer == null || now - answer.atNanos() > this.recheck.toNanos()) {
				ask.add(id);
			}
			else if (!answer.listening()) {
				notListening.add(id);
			}
		}
		if (!ask.isEmpty()) {
			Set<String> listening = of(ask);
			ask.stream().filter((id) -> !listening.contains(id)).forEach(notListening::add);
		}
		return notListening;
	}

	private Map<String, Long> count(RedisClusterAsyncCommands<byte[], byte[]> commands, byte[][] channels)
			throws InterruptedException, ExecutionException, TimeoutException {
		List<Map<byte[], Long>> perNode;
		if (commands instanceof RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster) {
			// every node, replicas included: a subscriber may be connected to any
			perNode = cluster.nodes((node) -> true)
				.commands()
				.pubsubNumsub(channels)
				.toCompletableFuture()
				.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		else {
			perNode = List.of(commands.pubsubNumsub(channels).get(this.timeout.toMillis(), TimeUnit.MILLISECONDS));
		}
		Map<String, Long> total = new HashMap<>();
		for (Map<byte[], Long> counts : perNode) {
			counts.forEach((channel, count) -> total.merge(new String(channel, StandardCharsets.UTF_8),
					(count != null) ? count : 0L, Long::sum));
		}
		return total;
	}

	private record Answer(boolean listening, long atNanos) {
	}

}
