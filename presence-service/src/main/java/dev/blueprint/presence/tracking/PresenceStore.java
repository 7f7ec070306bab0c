package dev.blueprint.presence.tracking;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.Status;

import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Presence in Redis.
 * <ul>
 * <li>{@code chat:presence:{userId}}: a hash with {@code choice}, {@code status},
 * {@code lastSeen} and {@code leaseEnd} (epoch milliseconds); it expires
 * {@code presence.retention} after its last write.</li>
 * <li>{@value SessionRegistry#PRESENCE_DUE}: users due an evaluation, scored by when
 * (written by the gateways through {@link SessionRegistry}, rescheduled here).</li>
 * <li>Changes are published on {@value PresenceChanged#CHANNEL}.</li>
 * </ul>
 */
public class PresenceStore {

	/**
	 * Takes up to ARGV[2] users due by ARGV[1] and moves them to ARGV[3], so no other
	 * instance takes them until then.
	 */
	private static final RedisScript<List> CLAIM = RedisScript.of("""
			local users = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
			for _, user in ipairs(users) do
			  redis.call('ZADD', KEYS[1], ARGV[3], user)
			end
			return users
			""", List.class);

	/**
	 * Reschedules (ARGV[i+1] a score) or forgets (ARGV[i+1] empty) each claimed user
	 * ARGV[i], unless a gateway moved its check while it was evaluated (its score is no
	 * longer the claim's ARGV[1]): then it is evaluated again soon.
	 */
	private static final RedisScript<Long> RELEASE = RedisScript.of("""
			local claimed = tonumber(ARGV[1])
			for i = 2, #ARGV, 2 do
			  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
			  if score and tonumber(score) == claimed then
			    if ARGV[i + 1] == '' then
			      redis.call('ZREM', KEYS[1], ARGV[i])
			    else
			      redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
			    end
			  end
			end
			return 0
			""", Long.class);

	private final StringRedisTemplate redis;

	private final ChatEventCodec codec;

	private final Duration retention;

	public PresenceStore(StringRedisTemplate redis, ChatEventCodec codec, Duration retention) {
		this.redis = redis;
		this.codec = codec;
		this.retention = retention;
	}

	static String key(String userId) {
		return "chat:presence:{" + userId + "}";
	}

	/**
	 * Claims up to {@code batch} users due by {@code now} until {@code claimedUntil}.
	 */
	@SuppressWarnings("unchecked")
	public List<String> claimDue(Instant now, int batch, Instant claimedUntil) {
		List<Object> users = this.redis.execute(CLAIM, List.of(SessionRegistry.PRESENCE_DUE),
				Long.toString(now.toEpochMilli()), Integer.toString(batch), Long.toString(claimedUntil.toEpochMilli()));
		List<String> claimed = new ArrayList<>();
		if (users != null) {
			users.forEach((user) -> claimed.add(user.toString()));
		}
		return claimed;
	}

	/**
	 * Ends a claim: each user is rescheduled at its next check, or forgotten when it has
	 * none.
	 */
	public void release(Instant claimedUntil, Map<String, Instant> nextChecks) {
		if (nextChecks.isEmpty()) {
			return;
		}
		List<String> args = new ArrayList<>();
		args.add(Long.toString(claimedUntil.toEpochMilli()));
		nextChecks.forEach((user, next) -> {
			args.add(user);
			args.add((next != null) ? Long.toString(next.toEpochMilli()) : "");
		});
		this.redis.execute(RELEASE, List.of(SessionRegistry.PRESENCE_DUE), args.toArray());
	}

	/** The stored presence of each user ({@link Presence#UNKNOWN} when none). */
	public Map<String, Presence> read(Collection<String> userIds) {
		List<String> users = new ArrayList<>(new LinkedHashSet<>(userIds));
		Map<String, Presence> presences = new LinkedHashMap<>();
		if (users.isEmpty()) {
			return presences;
		}
		List<Object> hashes = this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (String user : users) {
				connection.hashCommands().hGetAll(key(user).getBytes(StandardCharsets.UTF_8));
			}
			return null;
		});
		for (int i = 0; i < users.size(); i++) {
			Map<?, ?> hash = (hashes.get(i) instanceof Map<?, ?> map) ? map : Map.of();
			presences.put(users.get(i), toPresence(hash));
		}
		return presences;
	}

	private static Presence toPresence(Map<?, ?> hash) {
		if (hash.isEmpty()) {
			return Presence.UNKNOWN;
		}
		return new Presence(Choice.fromWire((String) hash.get("choice")), Status.fromWire((String) hash.get("status")),
				instant(hash.get("lastSeen")), instant(hash.get("leaseEnd")));
	}

	private static Instant instant(Object millis) {
		return (millis instanceof String text && !text.isEmpty()) ? Instant.ofEpochMilli(Long.parseLong(text)) : null;
	}

	/** Stores the presence of users (all of it, choice included), one round trip. */
	public void write(Map<String, Presence> presences) {
		if (presences.isEmpty()) {
			return;
		}
		this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			presences.forEach((user, presence) -> {
				byte[] key = key(user).getBytes(StandardCharsets.UTF_8);
				Map<byte[], byte[]> fields = new LinkedHashMap<>();
				fields.put(bytes("choice"), bytes(presence.choice().wire()));
				fields.put(bytes("status"), bytes(presence.status().wire()));
				fields.put(bytes("lastSeen"), bytes(millis(presence.lastSeen())));
				fields.put(bytes("leaseEnd"), bytes(millis(presence.leaseEnd())));
				connection.hashCommands().hMSet(key, fields);
				connection.keyCommands().pExpire(key, this.retention.toMillis());
			});
			return null;
		});
	}

	/** Tells every gateway. */
	public void publish(List<PresenceChanged> changes) {
		if (changes.isEmpty()) {
			return;
		}
		this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			byte[] channel = bytes(PresenceChanged.CHANNEL);
			for (PresenceChanged change : changes) {
				connection.publish(channel, bytes(this.codec.encode(change)));
			}
			return null;
		});
	}

	/** Users with at least one live device (those scheduled for evaluation). */
	public long tracked() {
		Long size = this.redis.opsForZSet().zCard(SessionRegistry.PRESENCE_DUE);
		return (size != null) ? size : 0;
	}

	private static String millis(Instant instant) {
		return (instant != null) ? Long.toString(instant.toEpochMilli()) : "";
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
