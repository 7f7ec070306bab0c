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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.blueprint.chat.contracts.GatewayDelivery;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * deliveries that reached nobody were not counted. Nodes the cluster reports failed,
 * disconnected, unaddressed or still joining are not asked; when a node asked does not
 * answer in time, a gateway counted 0 by the others is taken as listening (it may
 * subscribe through the silent node), counted in
 * {@code blueprint.chat.gateways.counts.incomplete}: the push listener then does not
 * notify its users (as before 2026-12-07), and the delivery listener does not count their
 * deliveries as unreceived. Only when no node answers is the count a failure.
 */
public class ListeningGateways {

	private static final Logger logger = LoggerFactory.getLogger(ListeningGateways.class);

	private static final String PREFIX = GatewayDelivery.channel("");

	/** The longest a count waits on a cluster. */
	static final Duration CLUSTER_WAIT = Duration.ofMillis(500);

	/** How long a node that stayed silent is not asked. */
	static final Duration REST = Duration.ofSeconds(10);

	/** Past this many gateways remembered, the memory of answers starts again. */
	private static final int MAX_REMEMBERED = 10_000;

	private final StringRedisTemplate redis;

	/**
	 * How long a count waits: the Redis timeout, but at most {@link #CLUSTER_WAIT} per
	 * count on a cluster, where a silent node only makes the count incomplete.
	 */
	private final Duration countTimeout;

	/** Nodes that stayed silent, by node id, until when they are not asked. */
	private final Map<String, Long> resting = new ConcurrentHashMap<>();

	private final Duration recheck;

	private final boolean clustered;

	private final Map<String, Answer> answers = new ConcurrentHashMap<>();

	private final Counter incomplete;

	/** When an incomplete count was last logged ({@link System#nanoTime()}), or 0. */
	private volatile long incompleteLoggedAt;

	/**
	 * @param timeout how long a count may take (the Redis command timeout; at most
	 * {@link #CLUSTER_WAIT} on a cluster)
	 * @param recheck how long {@link #notListening} trusts an answer
	 */
	public ListeningGateways(StringRedisTemplate redis, Duration timeout, Duration recheck, MeterRegistry meters) {
		this.redis = redis;
		this.recheck = recheck;
		this.incomplete = Counter.builder("blueprint.chat.gateways.counts.incomplete")
			.description("Counts of the gateways' subscribers on a Redis Cluster that a node did not answer in time: "
					+ "gateways counted 0 by the others were taken as listening")
			.register(meters);
		this.clustered = clustered(redis.getConnectionFactory());
		this.countTimeout = (this.clustered && timeout.compareTo(CLUSTER_WAIT) > 0) ? CLUSTER_WAIT : timeout;
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
		Counts counts = this.redis.execute((RedisCallback<Counts>) (connection) -> {
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
			counts.perChannel().forEach((channel, count) -> {
				if (count > 0) {
					listening.add(channel.substring(PREFIX.length()));
				}
			});
			if (counts.silentNodes() > 0) {
				// a gateway counted 0 may subscribe through a node that did not answer
				listening.addAll(ids);
				countIncomplete(counts.silentNodes());
			}
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

	private Counts count(RedisClusterAsyncCommands<byte[], byte[]> commands, byte[][] channels)
			throws InterruptedException, ExecutionException, TimeoutException {
		List<Map<byte[], Long>> perNode = new ArrayList<>();
		int silent = 0;
		if (commands instanceof RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster) {
			// every node that can answer, replicas included: a subscriber may be
			// connected to any. One that stayed silent is left alone for a while (and
			// counted silent): a hung node that still looks connected cost every count
			// the whole wait.
			long now = System.nanoTime();
			this.resting.values().removeIf((until) -> until - now <= 0);
			for (RedisClusterNode node : cluster.getStatefulConnection().getPartitions()) {
				if (answers(node) && this.resting.containsKey(node.getNodeId())) {
					silent++;
				}
			}
			long deadline = now + this.countTimeout.toNanos();
			for (Map.Entry<RedisClusterNode, CompletableFuture<Map<byte[], Long>>> node : cluster
				.nodes((candidate) -> answers(candidate) && !this.resting.containsKey(candidate.getNodeId()))
				.commands()
				.pubsubNumsub(channels)
				.asMap()
				.entrySet()) {
				try {
					perNode.add(node.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
				}
				catch (ExecutionException | TimeoutException ex) {
					silent++;
					this.resting.put(node.getKey().getNodeId(), System.nanoTime() + REST.toNanos());
				}
			}
			if (perNode.isEmpty()) {
				throw new TimeoutException("no node of the cluster answered (" + silent + " asked)");
			}
		}
		else {
			perNode.add(commands.pubsubNumsub(channels).get(this.countTimeout.toMillis(), TimeUnit.MILLISECONDS));
		}
		Map<String, Long> total = new HashMap<>();
		for (Map<byte[], Long> counts : perNode) {
			counts.forEach((channel, count) -> total.merge(new String(channel, StandardCharsets.UTF_8),
					(count != null) ? count : 0L, Long::sum));
		}
		return new Counts(total, silent);
	}

	/**
	 * Whether a node can be asked: connected, and not failed (or suspected), without an
	 * address or still joining, as the cluster reports it. Lettuce keeps such nodes in
	 * its view; one of them would fail every count.
	 */
	static boolean answers(RedisClusterNode node) {
		return node.isConnected() && !node.is(NodeFlag.FAIL) && !node.is(NodeFlag.EVENTUAL_FAIL)
				&& !node.is(NodeFlag.HANDSHAKE) && !node.is(NodeFlag.NOADDR);
	}

	private void countIncomplete(int silentNodes) {
		this.incomplete.increment();
		long now = System.nanoTime();
		long last = this.incompleteLoggedAt;
		if (last == 0 || now - last >= Duration.ofSeconds(60).toNanos()) {
			this.incompleteLoggedAt = now;
			logger.warn(
					"{} Redis Cluster node(s) did not answer PUBSUB NUMSUB within {} ms: gateways the others "
							+ "counted 0 are taken as listening (no push for their users, their deliveries not counted "
							+ "unreceived; a silent node is left alone for {} s; this line at most once a minute)",
					silentNodes, this.countTimeout.toMillis(), REST.toSeconds());
		}
	}

	/**
	 * @param perChannel subscribers by channel, added up over the nodes that answered
	 * @param silentNodes nodes asked that did not answer
	 */
	private record Counts(Map<String, Long> perChannel, int silentNodes) {
	}

	private record Answer(boolean listening, long atNanos) {
	}

}
