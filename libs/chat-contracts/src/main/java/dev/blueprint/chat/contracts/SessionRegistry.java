package dev.blueprint.chat.contracts;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisZSetCommands;
import org.springframework.data.redis.connection.zset.Tuple;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.ZSetOperations.TypedTuple;

/**
 * Which gateway instances hold a user's STOMP sessions, in Redis. Presence-service owns
 * this schema; gateways write it (register, heartbeat, unregister) and
 * notification-service reads it in batches.
 * <p>
 * One sorted set per user, {@code chat:sessions:{userId}}: a member per session
 * ({@code gatewayId|sessionId}) scored with the time its lease ends. A gateway renews its
 * sessions' leases every heartbeat; a session of a gateway that died silently stops
 * counting when its lease ends (readers skip expired members) and is removed by the next
 * write to that user's set. The key itself expires two leases after its last write (one
 * until 2026-12-07), so a user who leaves leaves nothing behind, and for a lease after a
 * session's lease ended presence-service can tell it ran out (its member is still there)
 * from removed (the key is gone) ({@link #latestLeases}). The braces are a hash tag: one
 * user's key lives on one Redis Cluster slot.
 * <p>
 * Presence: every write also schedules the user in {@value #PRESENCE_DUE}, a sorted set
 * of user ids scored by when presence-service should next look at them. A renewal adds a
 * user who is not scheduled (one re-registered after an outage) for now and leaves a
 * scheduled one alone; a registration (a new session) and a removal move the user's check
 * to now. Presence-service reschedules each user at the end of their latest lease, so a
 * user with live devices is looked at about once per lease, not once per heartbeat.
 */
public final class SessionRegistry {

	private static final String SEPARATOR = "|";

	private static final int CHUNK = 500;

	/**
	 * Users presence-service should evaluate, scored by when (epoch milliseconds). One
	 * key for all users.
	 */
	public static final String PRESENCE_DUE = "chat:presence:due";

	private static final byte[] PRESENCE_DUE_KEY = bytes(PRESENCE_DUE);

	private final StringRedisTemplate redis;

	private final Duration lease;

	private final Clock clock;

	public SessionRegistry(StringRedisTemplate redis, Duration lease, Clock clock) {
		this.redis = redis;
		this.lease = lease;
		this.clock = clock;
	}

	/** The key of a user's sorted set of sessions. */
	public static String key(String userId) {
		return "chat:sessions:{" + userId + "}";
	}

	/** A session of {@code userId} from its member in the user's sorted set. */
	public static Session session(String userId, String member) {
		int split = member.indexOf(SEPARATOR);
		return new Session(userId, member.substring(0, split), member.substring(split + 1));
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	/** How long a session counts without a heartbeat. */
	public Duration lease() {
		return this.lease;
	}

	/**
	 * Records (or renews) sessions: one pipelined round trip per {@value #CHUNK}
	 * sessions, so 10,000 sessions never make one pipeline that outlasts the command
	 * timeout (it did in the chat benchmark). A chunk that fails (e.g. timed out in a
	 * connect storm) is sent once more before the next one; if that fails too, the
	 * renewal stops there — Redis is then unwell, and trying every remaining chunk would
	 * cost two command timeouts each.
	 * @throws NotWrittenException naming how many sessions were not renewed
	 */
	public void renew(Collection<Session> sessions) {
		inChunks(sessions, (chunk) -> renewChunk(chunk, RedisZSetCommands.ZAddArgs.ifNotExists()), "renewed");
	}

	/**
	 * Registers new sessions, as {@link #renew} does, and moves their users' presence
	 * checks to now (a renewal leaves a scheduled user alone): a user whose last device
	 * left moments ago is scheduled for the end of an offline grace, and without an
	 * evaluation now a device back within it, leaving again, found the first departure
	 * still stored, so the grace was not renewed and the user was last seen at the first.
	 * @throws NotWrittenException naming how many sessions were not registered
	 */
	public void register(Collection<Session> sessions) {
		inChunks(sessions, (chunk) -> renewChunk(chunk, RedisZSetCommands.ZAddArgs.empty().lt()), "registered");
	}

	private static void inChunks(Collection<Session> sessions, Consumer<List<Session>> write, String written) {
		List<Session> all = new ArrayList<>(sessions);
		for (int from = 0; from < all.size(); from += CHUNK) {
			List<Session> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
			try {
				write.accept(chunk);
			}
			catch (RuntimeException first) {
				try {
					write.accept(chunk);
				}
				catch (RuntimeException again) {
					again.addSuppressed(first);
					throw new NotWrittenException(all.size() - from, all.size(), written, again);
				}
			}
		}
	}

	private void renewChunk(List<Session> sessions, RedisZSetCommands.ZAddArgs schedule) {
		long now = this.clock.millis();
		double expiresAt = now + this.lease.toMillis();
		this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			RedisZSetCommands zsets = connection.zSetCommands();
			for (Session session : sessions) {
				byte[] key = bytes(key(session.userId()));
				zsets.zAdd(key, expiresAt, bytes(session.gatewayId() + SEPARATOR + session.sessionId()));
				zsets.zRemRangeByScore(key, Range.closed(Double.NEGATIVE_INFINITY, (double) now));
				connection.keyCommands().pExpire(key, 2 * this.lease.toMillis());
			}
			for (String user : new LinkedHashSet<>(sessions.stream().map(Session::userId).toList())) {
				zsets.zAdd(PRESENCE_DUE_KEY, now, bytes(user), schedule);
			}
			return null;
		});
	}

	/**
	 * Some sessions were not written (their chunk failed twice); those before them were.
	 */
	public static final class NotWrittenException extends RuntimeException {

		private final int notWritten;

		private final int total;

		NotWrittenException(int notWritten, int total, String written, RuntimeException cause) {
			super(notWritten + " of " + total + " sessions not " + written, cause);
			this.notWritten = notWritten;
			this.total = total;
		}

		public int notWritten() {
			return this.notWritten;
		}

		public int total() {
			return this.total;
		}

	}

	/**
	 * Forgets a session that closed, and asks presence-service to look at its user now
	 * (the user may have gone offline).
	 */
	public void remove(Session session) {
		remove(List.of(session));
	}

	/**
	 * Forgets sessions that closed, and asks presence-service to look at their users now:
	 * one pipelined round trip per {@value #CHUNK} sessions (a gateway whose clients all
	 * drop at once removes thousands together, not one round trip each). A chunk that
	 * fails is sent once more; if that fails too the removal stops there, as a renewal
	 * does: the sessions not removed stop counting when their leases end.
	 * @throws NotWrittenException naming how many sessions were not removed
	 */
	public void remove(Collection<Session> sessions) {
		inChunks(sessions, this::removeChunk, "removed");
	}

	private void removeChunk(List<Session> sessions) {
		long now = this.clock.millis();
		this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			RedisZSetCommands zsets = connection.zSetCommands();
			for (Session session : sessions) {
				zsets.zRem(bytes(key(session.userId())), bytes(session.gatewayId() + SEPARATOR + session.sessionId()));
			}
			for (String user : new LinkedHashSet<>(sessions.stream().map(Session::userId).toList())) {
				zsets.zAdd(PRESENCE_DUE_KEY, now, bytes(user), RedisZSetCommands.ZAddArgs.empty().lt());
			}
			return null;
		});
	}

	/**
	 * When the latest lease of each user with a live session ends (users without one are
	 * absent); one pipelined round trip per {@value #CHUNK} users.
	 */
	public Map<String, Instant> latestLeaseEnds(Collection<String> userIds) {
		long now = this.clock.millis();
		Map<String, Instant> ends = new LinkedHashMap<>();
		latestLeases(userIds).forEach((user, end) -> {
			if (end.toEpochMilli() > now) {
				ends.put(user, end);
			}
		});
		return ends;
	}

	/**
	 * When the latest lease of each user with a session in the registry ends, ended ones
	 * included (users with none are absent): a lease that ran out is listed for up to a
	 * lease after its end (until the key expires, or a renewal of another of the user's
	 * sessions clears it), and a removed session is not. One pipelined round trip per
	 * {@value #CHUNK} users.
	 */
	public Map<String, Instant> latestLeases(Collection<String> userIds) {
		List<String> users = new ArrayList<>(new LinkedHashSet<>(userIds));
		if (users.isEmpty()) {
			return Map.of();
		}
		List<Object> results = readInChunks(users,
				(connection, user) -> connection.zSetCommands().zRevRangeWithScores(bytes(key(user)), 0, 0));
		Map<String, Instant> ends = new LinkedHashMap<>();
		for (int i = 0; i < users.size(); i++) {
			if (results.get(i) instanceof Collection<?> latest && !latest.isEmpty()) {
				Object first = latest.iterator().next();
				Double score = (first instanceof Tuple tuple) ? tuple.getScore()
						: (first instanceof TypedTuple<?> typed) ? typed.getScore() : null;
				if (score != null) {
					ends.put(users.get(i), Instant.ofEpochMilli(score.longValue()));
				}
			}
		}
		return ends;
	}

	/**
	 * One read per user, pipelined {@value #CHUNK} at a time, each chunk within the
	 * command timeout: one pipeline for a batch naming 30,000 users (a poll of messages
	 * to 30 groups of 1,000) had to be answered whole within one timeout, and a batch
	 * that misses it fails on every retry.
	 * @return the replies in the order of {@code users}
	 */
	private List<Object> readInChunks(List<String> users, BiConsumer<RedisConnection, String> read) {
		List<Object> results = new ArrayList<>(users.size());
		for (int from = 0; from < users.size(); from += CHUNK) {
			List<String> chunk = users.subList(from, Math.min(users.size(), from + CHUNK));
			results.addAll(this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
				chunk.forEach((user) -> read.accept(connection, user));
				return null;
			}));
		}
		return results;
	}

	/**
	 * The live sessions of each user (users without any are absent); one pipelined round
	 * trip per {@value #CHUNK} users.
	 */
	public Map<String, List<Session>> sessionsOf(Collection<String> userIds) {
		List<String> users = new ArrayList<>(new LinkedHashSet<>(userIds));
		if (users.isEmpty()) {
			return Map.of();
		}
		double now = this.clock.millis();
		List<Object> results = readInChunks(users, (connection, user) -> connection.zSetCommands()
			.zRangeByScore(bytes(key(user)), Range.closed(now, Double.POSITIVE_INFINITY)));
		Map<String, List<Session>> sessions = new LinkedHashMap<>();
		for (int i = 0; i < users.size(); i++) {
			if (results.get(i) instanceof Collection<?> members && !members.isEmpty()) {
				List<Session> live = new ArrayList<>(members.size());
				for (Object member : members) {
					live.add(session(users.get(i), member.toString()));
				}
				sessions.put(users.get(i), live);
			}
		}
		return sessions;
	}

	/** The gateway instances that hold at least one live session of each user. */
	public Map<String, Set<String>> gatewaysOf(Collection<String> userIds) {
		Map<String, Set<String>> gateways = new LinkedHashMap<>();
		sessionsOf(userIds).forEach((user, sessions) -> {
			Set<String> ids = new LinkedHashSet<>();
			sessions.forEach((session) -> ids.add(session.gatewayId()));
			gateways.put(user, ids);
		});
		return gateways;
	}

	/** A STOMP session of a user on a gateway instance. */
	public record Session(String userId, String gatewayId, String sessionId) {

		public Session {
			if (gatewayId.contains(SEPARATOR)) {
				throw new IllegalArgumentException("gateway id must not contain " + SEPARATOR);
			}
		}

	}

}
