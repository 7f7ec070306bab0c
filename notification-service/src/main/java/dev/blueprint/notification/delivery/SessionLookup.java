package dev.blueprint.notification.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.blueprint.chat.contracts.SessionRegistry;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Where each recipient's sessions are ({@link SessionRegistry}'s schema), read one
 * command per user, all sent at once and awaited together.
 * <p>
 * On a Redis Cluster the reads are awaited for at most {@code wait} after the last is
 * sent: a user whose read fails or is not answered by then is <em>unresolved</em>, and
 * the others are not held up by them. A node that answered none of its reads in time (a
 * dead master, before the cluster fails it over) rests: its users are unresolved without
 * being asked, so while it is down it costs one batch the wait per rest, not every batch;
 * once the client's view gives its slots to the promoted replica (another node id), they
 * are asked again at once. Until 2026-12-08 the lookup was pipelines that failed whole,
 * so one dead master (a failover takes Redis's node timeout, 15 s by default) stalled
 * every delivery of the instance, then skipped them.
 * <p>
 * On one Redis server there is nothing else to ask: the reads are awaited for the command
 * timeout, and one that fails fails the lookup (the batch is retried), as before. Sending
 * every delivery to every gateway there would cost the gateways the whole instance's
 * traffic for a pause of the server that holds them all.
 */
public class SessionLookup {

	private static final Logger logger = LoggerFactory.getLogger(SessionLookup.class);

	private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

	/** The node name of a server that is not a cluster. */
	private static final String STANDALONE = "standalone";

	private final StringRedisTemplate redis;

	private final Duration wait;

	private final Duration commandTimeout;

	private final RestingNodes resting;

	private final Clock clock;

	private final Counter unresolved;

	/** When unresolved users were last logged ({@link System#nanoTime()}), or 0. */
	private volatile long loggedAt;

	/**
	 * @param wait how long a lookup waits for its answers on a Redis Cluster (positive)
	 * @param commandTimeout how long it waits on one Redis server
	 * @param resting the nodes not asked (a node that does not answer in time is added)
	 */
	public SessionLookup(StringRedisTemplate redis, Duration wait, Duration commandTimeout, RestingNodes resting,
			Clock clock, MeterRegistry meters) {
		this.redis = redis;
		this.wait = wait;
		this.commandTimeout = commandTimeout;
		this.resting = resting;
		this.clock = clock;
		this.unresolved = Counter.builder("blueprint.chat.delivery.lookups.unresolved")
			.description("Recipients whose sessions could not be looked up in time (their Redis node did not answer, "
					+ "or rests after it did not): their deliveries go to every gateway")
			.register(meters);
	}

	/**
	 * Looks up the gateways holding each user's live sessions.
	 * @throws QueryTimeoutException on one Redis server, when a read failed or was not
	 * answered within the command timeout; when interrupted
	 */
	public Result gatewaysOf(Collection<String> userIds) {
		List<String> users = List.copyOf(new LinkedHashSet<>(userIds));
		if (users.isEmpty()) {
			return new Result(Map.of(), Set.of());
		}
		Result result = this.redis.execute((RedisCallback<Result>) (connection) -> {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) connection
				.getNativeConnection();
			return lookUp(commands, users);
		});
		if (!result.unresolved().isEmpty()) {
			this.unresolved.increment(result.unresolved().size());
		}
		return result;
	}

	private Result lookUp(RedisClusterAsyncCommands<byte[], byte[]> commands, List<String> users) {
		Partitions slots = (commands instanceof RedisAdvancedClusterAsyncCommands<byte[], byte[]> cluster)
				? cluster.getStatefulConnection().getPartitions() : null;
		Range<Long> live = Range.from(Range.Boundary.including(this.clock.millis()), Range.Boundary.unbounded());
		List<String> nodes = new ArrayList<>(users.size());
		List<RedisFuture<List<byte[]>>> reads = new ArrayList<>(users.size());
		for (String user : users) {
			byte[] key = SessionRegistry.key(user).getBytes(StandardCharsets.UTF_8);
			String node = nodeOf(slots, key);
			nodes.add(node);
			boolean ask = node != null && !this.resting.rests(node);
			reads.add(ask ? commands.zrangebyscore(key, live) : null);
		}
		// from when every read is sent: a batch naming many users is not cut short by
		// its own sending
		long deadline = System.nanoTime() + ((slots != null) ? this.wait : this.commandTimeout).toNanos();
		Map<String, Set<String>> gateways = new LinkedHashMap<>();
		Set<String> unresolved = new LinkedHashSet<>();
		Set<String> asked = new LinkedHashSet<>();
		Set<String> answered = new LinkedHashSet<>();
		for (int i = 0; i < users.size(); i++) {
			String user = users.get(i);
			RedisFuture<List<byte[]>> read = reads.get(i);
			if (read == null) {
				unresolved.add(user);
				continue;
			}
			asked.add(nodes.get(i));
			try {
				List<byte[]> members = read.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				answered.add(nodes.get(i));
				if (members != null && !members.isEmpty()) {
					Set<String> ofUser = new LinkedHashSet<>();
					for (byte[] member : members) {
						ofUser
							.add(SessionRegistry.session(user, new String(member, StandardCharsets.UTF_8)).gatewayId());
					}
					gateways.put(user, ofUser);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new QueryTimeoutException("Interrupted while looking up sessions", ex);
			}
			catch (ExecutionException | TimeoutException ex) {
				read.cancel(false);
				if (slots == null) {
					throw new QueryTimeoutException(
							"Looking up the sessions of " + users.size() + " users failed: " + ex, ex);
				}
				unresolved.add(user);
				if (ex.getCause() instanceof RedisCommandExecutionException) {
					// an error reply (CLUSTERDOWN while a failed master's slots have no
					// owner yet, which every node answers then): the node is there
					answered.add(nodes.get(i));
				}
			}
		}
		// A node that answered none of its reads in time rests; one that answered some
		// (slow, not gone), or answered with errors, costs only this batch's users.
		Set<String> silent = new LinkedHashSet<>(asked);
		silent.removeAll(answered);
		silent.forEach(this.resting::rest);
		if (!unresolved.isEmpty()) {
			logUnresolved(unresolved.size(), users.size(), silent);
		}
		return new Result(gateways, unresolved);
	}

	/**
	 * A WARN at most every {@link #LOG_INTERVAL} (a node down makes every batch's users
	 * on it unresolved): how many, and the nodes that went silent.
	 */
	private void logUnresolved(int unresolved, int users, Set<String> silent) {
		long now = System.nanoTime();
		long last = this.loggedAt;
		if (!silent.isEmpty() || last == 0 || now - last >= LOG_INTERVAL.toNanos()) {
			this.loggedAt = now;
			logger.warn("Session lookup: {} of {} recipients not looked up (their Redis Cluster node did not answer "
					+ "within {} ms or errored, rests, or no node serves their slot in the client's view): their "
					+ "deliveries go to every gateway. Nodes that answered none of their reads and now rest for {} s: {} "
					+ "(this line at most every {} s unless a node goes silent)", unresolved, users,
					this.wait.toMillis(), this.resting.rest().toSeconds(), silent, LOG_INTERVAL.toSeconds());
		}
	}

	/**
	 * The id of the cluster node serving {@code key}'s slot ({@value #STANDALONE} when
	 * not a cluster), or null when the client knows none (the slot is not served).
	 */
	private static String nodeOf(Partitions slots, byte[] key) {
		if (slots == null) {
			return STANDALONE;
		}
		RedisClusterNode node = slots.getPartitionBySlot(SlotHash.getSlot(key));
		return (node != null) ? node.getNodeId() : null;
	}

	/**
	 * @param gateways the gateways holding each online user's live sessions (users looked
	 * up with none are absent)
	 * @param unresolved users whose sessions could not be looked up
	 */
	public record Result(Map<String, Set<String>> gateways, Set<String> unresolved) {

		public Result {
			gateways = Map.copyOf(gateways);
			unresolved = Set.copyOf(unresolved);
		}

	}

}
