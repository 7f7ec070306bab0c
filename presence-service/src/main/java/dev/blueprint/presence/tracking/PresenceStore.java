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
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PresenceChanged;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.presence.core.Choice;
import dev.blueprint.presence.core.Presence;
import dev.blueprint.presence.core.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.data.redis.connection.DataType;
import org.springframework.data.redis.connection.RedisPipelineException;
import org.springframework.data.redis.connection.RedisZSetCommands;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Presence in Redis.
 * <ul>
 * <li>{@code chat:presence:{userId}}: a hash with {@code choice}, {@code status},
 * {@code lastSeen}, {@code leaseEnd} and {@code leftAt} (epoch milliseconds; empty for
 * none; {@code leftAt} is set only during an offline grace), and {@code version}, which
 * every write increments and checks (see {@link #apply(List)}); it expires
 * {@code presence.retention} after its last write while the choice is online. Away or
 * invisible is kept without expiry, until the user changes it: an expired hash reads as
 * online, and a user who hid and stayed away longer than the retention came back
 * visible.</li>
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

	/**
	 * The version of a key of another type than a hash ({@code WRONGTYPE}), as
	 * {@link #readVersioned} reports it and {@link #APPLY} compares it (written there as
	 * text too). No whole number: a sweep, which skips an unreadable presence, never
	 * writes at it; only the user's own choice does, and replaces the key.
	 */
	static final String OTHER_TYPE = "other-type";

	/**
	 * Applies one user's update if the user's presence is still at the version it was
	 * read at (ARGV[1], compared as stored; {@value #OTHER_TYPE} for a key of another
	 * type, which the update then replaces): stores it (ARGV[3..6] and ARGV[9], unless
	 * ARGV[2], the retention, is empty) with the next version, and publishes ARGV[8] on
	 * channel ARGV[7] (unless empty) in the same step, so changes are published in the
	 * order they are stored. A version that is no whole number (an unreadable hash or key
	 * its user's choice replaces), or whose next would not print as one (1e14 and
	 * beyond), is followed by 1. The hash expires after the retention only while the
	 * choice (ARGV[3]) is online; any other choice is kept until the user changes it.
	 * Returns 1, or 0 when another writer got there first and nothing was done.
	 */
	static final String APPLY = """
			local kind = redis.call('TYPE', KEYS[1]).ok
			local current = '0'
			if kind == 'hash' then
			  current = redis.call('HGET', KEYS[1], 'version') or '0'
			elseif kind ~= 'none' then
			  current = 'other-type'
			end
			if current ~= ARGV[1] then
			  return 0
			end
			if ARGV[2] ~= '' then
			  local version = tonumber(current)
			  if not version or version % 1 ~= 0 or math.abs(version + 1) >= 1e14 then
			    version = 0
			  end
			  if kind ~= 'hash' and kind ~= 'none' then
			    redis.call('DEL', KEYS[1])
			  end
			  redis.call('HSET', KEYS[1], 'choice', ARGV[3], 'status', ARGV[4], 'lastSeen', ARGV[5],
			    'leaseEnd', ARGV[6], 'leftAt', ARGV[9], 'version', tostring(version + 1))
			  if ARGV[3] == 'online' then
			    redis.call('PEXPIRE', KEYS[1], ARGV[2])
			  else
			    redis.call('PERSIST', KEYS[1])
			  end
			end
			if ARGV[8] ~= '' then
			  redis.call('PUBLISH', ARGV[7], ARGV[8])
			end
			return 1
			""";

	private static final byte[] APPLY_BYTES = bytes(APPLY);

	private static final String APPLY_SHA = RedisScript.of(APPLY, Long.class).getSha1();

	private static final Logger logger = LoggerFactory.getLogger(PresenceStore.class);

	/**
	 * Most users read, written or scheduled in one pipeline, as {@link SessionRegistry}
	 * reads leases: a pipeline is answered whole within the command timeout while it
	 * holds a pooled connection, and a sweep names up to {@code presence.sweep-batch}
	 * (10,000) users. (Writes and schedules were one pipeline until 2026-12-07.)
	 */
	static final int CHUNK = 500;

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

	/**
	 * Schedules each user for an evaluation at {@code now}, or keeps an earlier check.
	 */
	public void scheduleNow(Collection<String> users, Instant now) {
		byte[] due = SessionRegistry.PRESENCE_DUE.getBytes(StandardCharsets.UTF_8);
		RedisZSetCommands.ZAddArgs earlierOnly = RedisZSetCommands.ZAddArgs.empty().lt();
		List<String> all = List.copyOf(users);
		for (int from = 0; from < all.size(); from += CHUNK) {
			List<String> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
			this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
				for (String user : chunk) {
					connection.zSetCommands()
						.zAdd(due, now.toEpochMilli(), user.getBytes(StandardCharsets.UTF_8), earlierOnly);
				}
				return null;
			});
		}
	}

	/**
	 * The stored presence of each user with the version it is at, for an
	 * {@link #apply(List) update} that must not overwrite a newer one. A user whose hash
	 * does not parse (a field of another schema during a rolling deploy, a manual edit)
	 * is logged, once per read and without a stack trace, and returned as
	 * {@link Stored#readable() unreadable} with {@link Presence#UNKNOWN}, so it does not
	 * fail the other users read with it (a sweep's whole batch, a bulk query). So is a
	 * key of another type than a hash, at version {@value #OTHER_TYPE}.
	 */
	public Map<String, Stored> readVersioned(Collection<String> userIds) {
		List<String> users = new ArrayList<>(new LinkedHashSet<>(userIds));
		Map<String, Stored> presences = new LinkedHashMap<>();
		if (users.isEmpty()) {
			return presences;
		}
		List<Object> hashes = readHashes(users);
		for (int i = 0; i < users.size(); i++) {
			String user = users.get(i);
			if (hashes.get(i) instanceof DataAccessException otherType) {
				// a WRONGTYPE error, the only one read in place (see readHashes)
				logger.warn("Stored presence of {} does not parse (read as unknown; the user's next choice "
						+ "replaces it): the key holds no hash ({})", user, otherType.getMessage());
				presences.put(user, new Stored(Presence.UNKNOWN, OTHER_TYPE, false));
				continue;
			}
			Map<?, ?> hash = (hashes.get(i) instanceof Map<?, ?> map) ? map : Map.of();
			String version = (hash.get("version") instanceof String text) ? text : "0";
			try {
				// Checked: a version that is no whole number does not parse either.
				number(hash, "version");
				presences.put(user, new Stored(toPresence(hash), version, true));
			}
			catch (IllegalArgumentException ex) {
				logger.warn("Stored presence of {} does not parse (read as unknown; the user's next choice "
						+ "replaces it): {}", user, ex.getMessage());
				presences.put(user, new Stored(Presence.UNKNOWN, version, false));
			}
		}
		return presences;
	}

	/**
	 * Each user's hash, in order: its fields (none when it does not exist), read in one
	 * pipeline per {@value #CHUNK} users. A key of another type fails only its own read:
	 * its {@code WRONGTYPE} error is in its place. Any other failure (connection,
	 * timeout) fails the read.
	 */
	private List<Object> readHashes(List<String> users) {
		List<Object> hashes = new ArrayList<>(users.size());
		for (int from = 0; from < users.size(); from += CHUNK) {
			hashes.addAll(readChunk(users.subList(from, Math.min(users.size(), from + CHUNK))));
		}
		return hashes;
	}

	/** {@link #readHashes(List)} of at most {@value #CHUNK} users. */
	private List<Object> readChunk(List<String> users) {
		try {
			return hashesPipelined(users);
		}
		catch (RedisPipelineException ex) {
			if (!wrongType(ex)) {
				throw ex;
			}
			// Lettuce fails the whole pipeline and keeps no result of the others (rare:
			// until the key is replaced or deleted)
			return readHashesAroundOtherTypes(users);
		}
	}

	/**
	 * {@link #readChunk(List)} once a key of another type failed its pipeline: the keys'
	 * types in one pipeline, then the hashes (and the keys that do not exist) in another,
	 * so a chunk of 500 users costs two round trips, not 500. A key whose type changes
	 * between the two fails the second pipeline: then each user is read alone.
	 */
	private List<Object> readHashesAroundOtherTypes(List<String> users) {
		List<Object> types = this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (String user : users) {
				connection.keyCommands().type(bytes(key(user)));
			}
			return null;
		});
		List<String> readable = new ArrayList<>();
		for (int i = 0; i < users.size(); i++) {
			if (types.get(i) == DataType.HASH || types.get(i) == DataType.NONE) {
				readable.add(users.get(i));
			}
		}
		List<Object> hashes;
		try {
			hashes = readable.isEmpty() ? List.of() : hashesPipelined(readable);
		}
		catch (RedisPipelineException ex) {
			if (!wrongType(ex)) {
				throw ex;
			}
			return readEachAlone(users);
		}
		List<Object> all = new ArrayList<>(users.size());
		int next = 0;
		for (int i = 0; i < users.size(); i++) {
			all.add((types.get(i) == DataType.HASH || types.get(i) == DataType.NONE) ? hashes.get(next++)
					: new InvalidDataAccessApiUsageException(
							"WRONGTYPE the key holds a " + types.get(i) + ", not a hash"));
		}
		return all;
	}

	/** Each user's hash, in one pipeline; a {@code WRONGTYPE} fails all of it. */
	private List<Object> hashesPipelined(List<String> users) {
		return this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (String user : users) {
				connection.hashCommands().hGetAll(bytes(key(user)));
			}
			return null;
		});
	}

	private List<Object> readEachAlone(List<String> users) {
		List<Object> hashes = new ArrayList<>(users.size());
		for (String user : users) {
			try {
				hashes.add(this.redis.opsForHash().entries(key(user)));
			}
			catch (DataAccessException one) {
				if (!wrongType(one)) {
					throw one;
				}
				hashes.add(one);
			}
		}
		return hashes;
	}

	/** Whether Redis refused a command on a key of another type. */
	private static boolean wrongType(Throwable failure) {
		return anyCause(failure, (message) -> message.startsWith("WRONGTYPE"));
	}

	/** Whether the message of the failure or of one of its causes matches. */
	private static boolean anyCause(Throwable failure, Predicate<String> message) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause.getMessage() != null && message.test(cause.getMessage())) {
				return true;
			}
		}
		return false;
	}

	private static Presence toPresence(Map<?, ?> hash) {
		if (hash.isEmpty()) {
			return Presence.UNKNOWN;
		}
		// A choice this version does not know must not read as online (the default
		// when none is stored): its user would be shown online against it.
		return new Presence(known(hash, "choice", Choice::fromWire), known(hash, "status", Status::fromWire),
				instant(hash, "lastSeen"), instant(hash, "leaseEnd"), instant(hash, "leftAt"));
	}

	private static <T> T known(Map<?, ?> hash, String field, Function<String, T> fromWire) {
		String text = (String) hash.get(field);
		T value = fromWire.apply(text);
		if (value == null && text != null) {
			throw new IllegalArgumentException(field + " '" + text + "' is unknown");
		}
		return value;
	}

	private static Long number(Map<?, ?> hash, String field) {
		String text = (String) hash.get(field);
		if (text == null || text.isEmpty()) {
			return null;
		}
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(field + " '" + text + "' is not a whole number", ex);
		}
	}

	private static Instant instant(Map<?, ?> hash, String field) {
		Long millis = number(hash, field);
		return (millis != null) ? Instant.ofEpochMilli(millis) : null;
	}

	/**
	 * Applies updates, each only if its user's presence is still at the version it was
	 * read at, storing and publishing it in one atomic step per user (one round trip for
	 * all). A sweep and a user's own choice (or two of a user's devices) can evaluate the
	 * same user at once; without the check the later write would silently undo the
	 * other's, e.g. revert an explicit "invisible".
	 * @return the users whose presence moved on since it was read: nothing was done for
	 * them; evaluate them again
	 */
	public Set<String> apply(List<Update> updates) {
		Set<String> conflicted = new LinkedHashSet<>();
		// In pipelines of CHUNK, as reads: a sweep after an outage can change every user
		// of its batch (10,000), and one pipeline is answered whole within the command
		// timeout. A chunk that fails leaves the ones before it applied; the sweep fails
		// and its users are evaluated again, against the versions they are at.
		for (int from = 0; from < updates.size(); from += CHUNK) {
			conflicted.addAll(applyChunk(updates.subList(from, Math.min(updates.size(), from + CHUNK))));
		}
		return conflicted;
	}

	/** {@link #apply(List)} of at most {@value #CHUNK} updates. */
	private Set<String> applyChunk(List<Update> updates) {
		List<Object> results;
		try {
			results = applyPipelined(updates);
		}
		catch (RuntimeException ex) {
			if (!noScript(ex)) {
				throw ex;
			}
			// Redis restarted or its script cache was flushed: nothing ran, load and
			// retry.
			this.redis.execute(
					(RedisCallback<String>) (connection) -> connection.scriptingCommands().scriptLoad(APPLY_BYTES));
			results = applyPipelined(updates);
		}
		Set<String> conflicted = new LinkedHashSet<>();
		for (int i = 0; i < updates.size(); i++) {
			if (!Long.valueOf(1).equals(results.get(i))) {
				conflicted.add(updates.get(i).user());
			}
		}
		return conflicted;
	}

	private List<Object> applyPipelined(List<Update> updates) {
		byte[] channel = bytes(PresenceChanged.CHANNEL);
		byte[] retention = bytes(Long.toString(this.retention.toMillis()));
		byte[] none = new byte[0];
		return this.redis.executePipelined((RedisCallback<Object>) (connection) -> {
			for (Update update : updates) {
				Presence presence = update.presence();
				connection.scriptingCommands()
					.evalSha(APPLY_SHA, ReturnType.INTEGER, 1, bytes(key(update.user())), bytes(update.version()),
							(presence != null) ? retention : none,
							(presence != null) ? bytes(presence.choice().wire()) : none,
							(presence != null) ? bytes(presence.status().wire()) : none,
							(presence != null) ? bytes(millis(presence.lastSeen())) : none,
							(presence != null) ? bytes(millis(presence.leaseEnd())) : none, channel,
							(update.change() != null) ? bytes(this.codec.encode(update.change())) : none,
							(presence != null) ? bytes(millis(presence.leftAt())) : none);
			}
			return null;
		});
	}

	private static boolean noScript(Throwable ex) {
		return anyCause(ex, (message) -> message.contains("NOSCRIPT"));
	}

	/**
	 * Users scheduled for an evaluation ({@code ZCARD} of the due set): those with a live
	 * device as of their last evaluation, and those waiting for one (a connect or
	 * disconnect not evaluated yet, a claim of another instance, a stored presence that
	 * does not parse, retried every claim timeout). Counting live devices exactly would
	 * read every user's sessions.
	 */
	public long tracked() {
		Long size = this.redis.opsForZSet().zCard(SessionRegistry.PRESENCE_DUE);
		return (size != null) ? size : 0;
	}

	/**
	 * A user's stored presence and the version it is at.
	 *
	 * @param presence the presence ({@link Presence#UNKNOWN} when none, or when it does
	 * not parse)
	 * @param version the version as stored, how many times it was written ("0" when
	 * never, {@value PresenceStore#OTHER_TYPE} for a key of another type): an update
	 * applies only while it is still this text
	 * @param readable {@code false} when the stored hash does not parse or is no hash
	 */
	public record Stored(Presence presence, String version, boolean readable) {

	}

	/**
	 * An update of one user's presence, valid only at the version it was evaluated from.
	 *
	 * @param user the user
	 * @param version the version the update was evaluated from, as stored
	 * @param presence what to store ({@code null}: nothing changed)
	 * @param change what to publish ({@code null}: others see no change)
	 */
	public record Update(String user, String version, Presence presence, PresenceChanged change) {

	}

	private static String millis(Instant instant) {
		return (instant != null) ? Long.toString(instant.toEpochMilli()) : "";
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
