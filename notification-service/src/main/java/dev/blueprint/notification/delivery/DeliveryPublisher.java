package dev.blueprint.notification.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Publishes a batch's deliveries in order, in one round trip, and answers each publish's
 * count of receivers.
 * <p>
 * On a Redis Cluster a {@code PUBLISH} reaches the subscribers of every node (the nodes
 * pass it on), whichever node takes it; but the client sends it to the master of the
 * channel's hash slot, so while one master was dead every publish to a gateway whose
 * channel hashed there failed, and with it the batch and every delivery of the instance.
 * Since 2026-12-08 a batch's publishes all go through one master the client can reach
 * (kept while it answers, in the order they were routed), not one the session lookup
 * found silent; one that does not answer in time fails the batch (retried a second later)
 * and is not chosen while it rests.
 */
public class DeliveryPublisher {

	private static final Logger logger = LoggerFactory.getLogger(DeliveryPublisher.class);

	private final StringRedisTemplate redis;

	private final Duration timeout;

	/** Nodes not chosen (one that does not take a batch in time is added). */
	private final RestingNodes resting;

	/** Whether Redis is a cluster (decided once: a batch took two connections for it). */
	private final boolean clustered;

	/** Which of the masters this instance prefers (its index, modulo their number). */
	private final int spread = ThreadLocalRandom.current().nextInt(1 << 16);

	/** The master publishes go through while it answers, or null. */
	private volatile String current;

	/**
	 * @param timeout how long a batch's publishes may take (the Redis command timeout)
	 * @param resting the nodes not chosen (shared with the session lookup, which finds a
	 * dead node first); a master that does not take a batch in time is added
	 */
	public DeliveryPublisher(StringRedisTemplate redis, Duration timeout, RestingNodes resting) {
		this.redis = redis;
		this.timeout = timeout;
		this.resting = resting;
		this.clustered = ListeningGateways.clustered(redis.getConnectionFactory());
	}

	/**
	 * Publishes each {@code {channel, message}} in order.
	 * @return each publish's count of receivers (on a cluster: the node's own
	 * subscribers)
	 * @throws org.springframework.dao.DataAccessException when Redis did not take them
	 * all in time (some may have been published)
	 */
	public List<Object> publish(List<byte[][]> messages) {
		if (messages.isEmpty()) {
			return List.of();
		}
		if (this.clustered) {
			return this.redis.execute((RedisCallback<List<Object>>) (connection) -> {
				@SuppressWarnings("unchecked")
				RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster = (RedisAdvancedClusterAsyncCommands<byte[], byte[]>) connection
					.getNativeConnection();
				return throughOneMaster(cluster, messages);
			});
		}
		return this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (byte[][] message : messages) {
				connection.publish(message[0], message[1]);
			}
			return null;
		});
	}

	private List<Object> throughOneMaster(RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster,
			List<byte[][]> messages) {
		long start = System.nanoTime();
		long deadline = start + this.timeout.toNanos();
		String node = choose(cluster);
		try {
			StatefulRedisConnection<byte[], byte[]> connection = cluster.getStatefulConnection()
				.getConnectionAsync(node)
				.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			RedisAsyncCommands<byte[], byte[]> commands = connection.async();
			List<RedisFuture<Long>> publishes = new ArrayList<>(messages.size());
			for (byte[][] message : messages) {
				publishes.add(commands.publish(message[0], message[1]));
			}
			List<Object> receivers = new ArrayList<>(messages.size());
			for (RedisFuture<Long> publish : publishes) {
				receivers.add(publish.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
			}
			return receivers;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new QueryTimeoutException("Interrupted while publishing through " + node, ex);
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			this.resting.rest(node);
			this.current = null;
			logger.warn(
					"Redis Cluster master {} did not take {} publishes within {} ms: another is chosen for the "
							+ "retry, this one not for {} s: {}",
					node, messages.size(), this.timeout.toMillis(), this.resting.rest().toSeconds(), ex.toString());
			throw new QueryTimeoutException("Publishing through Redis Cluster master " + node + " failed: " + ex, ex);
		}
	}

	/**
	 * The master publishes go through: the current one while the client's view lists it
	 * as a master that can answer and it does not rest, else one of those that do not
	 * rest (this instance's pick), else one of all (all rest: one of them may be back).
	 */
	private String choose(RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster) {
		List<RedisClusterNode> masters = new ArrayList<>();
		for (RedisClusterNode node : cluster.getStatefulConnection().getPartitions()) {
			if (node.getRole() != null && node.getRole().isUpstream() && ListeningGateways.answers(node)) {
				masters.add(node);
			}
		}
		if (masters.isEmpty()) {
			throw new QueryTimeoutException("The client knows no Redis Cluster master that can answer");
		}
		masters.sort(Comparator.comparing(RedisClusterNode::getNodeId));
		String current = this.current;
		for (RedisClusterNode master : masters) {
			if (master.getNodeId().equals(current) && !this.resting.rests(current)) {
				return current;
			}
		}
		List<String> awake = masters.stream()
			.map(RedisClusterNode::getNodeId)
			.filter((id) -> !this.resting.rests(id))
			.toList();
		List<String> candidates = awake.isEmpty() ? masters.stream().map(RedisClusterNode::getNodeId).toList() : awake;
		// each instance its own master, so that the instances' publishes spread
		String chosen = candidates.get(this.spread % candidates.size());
		this.current = chosen;
		return chosen;
	}

}
