package dev.blueprint.ratelimit.rules;

import java.util.List;
import java.util.Optional;

import dev.blueprint.ratelimit.core.rules.RuleSpec;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Runtime rules in Redis: the document at {@value #KEY}
 * ({@code {"version":N,"rules":[...]}}), its version counter at {@value #VERSION_KEY} and
 * a message on {@value #CHANNEL} with the new version after each change, so every
 * instance reloads at once.
 * <p>
 * A change is one script: the counter's increment, the document and the message. As three
 * commands, two concurrent {@code PUT}s could store the older one last: version 5 in
 * force after 6 was answered, its caller's rules never applied. The keys share a hash
 * tag, so the script runs on one node of a Redis Cluster.
 * <p>
 * The document is read leniently (fields it does not know are ignored), unlike a request
 * body: a document written by a newer version stays readable. Not across the key change
 * of 2026-12-07: an instance from before it reads and writes only {@link #LEGACY_KEY}, so
 * rules changed while instances of both versions run reach only one kind (change rules
 * once the upgrade is complete).
 */
class RuleStore {

	static final String KEY = "rl:admin:{rules}";

	static final String VERSION_KEY = "rl:admin:{rules}:version";

	/**
	 * Where the rules were kept before 2026-12-07 (without a hash tag): read while
	 * {@link #KEY} does not exist, and deleted with it, so an upgrade keeps the rules in
	 * force and a {@code DELETE} does not bring them back.
	 */
	static final String LEGACY_KEY = "rl:admin:rules";

	/** The version counter before 2026-12-07: the new one starts from it. */
	static final String LEGACY_VERSION_KEY = "rl:admin:rules-version";

	static final String CHANNEL = "rl:admin:rules-changed";

	/**
	 * ARGV[3]: the version the change expects ({@code If-Match}), or empty for any. A
	 * change against another version does nothing and answers {@code -1 - current}.
	 */
	private static final RedisScript<Long> SAVE = RedisScript.of("""
			local current = tonumber(redis.call('GET', KEYS[2]) or '0')
			if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= current then
			  return -1 - current
			end
			local version = redis.call('INCR', KEYS[2])
			redis.call('SET', KEYS[1], '{"version":' .. version .. ',"rules":' .. ARGV[1] .. '}')
			redis.call('PUBLISH', ARGV[2], tostring(version))
			return version
			""", Long.class);

	/** ARGV[2]: as SAVE's ARGV[3]. */
	private static final RedisScript<Long> DELETE = RedisScript.of("""
			local current = tonumber(redis.call('GET', KEYS[2]) or '0')
			if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= current then
			  return -1 - current
			end
			redis.call('DEL', KEYS[1])
			local version = redis.call('INCR', KEYS[2])
			redis.call('PUBLISH', ARGV[1], tostring(version))
			return version
			""", Long.class);

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	RuleStore(StringRedisTemplate redis, JsonMapper json) {
		this.redis = redis;
		this.json = json.rebuild().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
	}

	/**
	 * Stores a validated rule set and announces it, if the rules are still at
	 * {@code expected} (any when {@code null}); returns its version.
	 * @throws VersionMismatchException when they are at another version (nothing changed)
	 */
	long save(List<RuleSpec> rules, Long expected) {
		continueLegacyVersions();
		Long version = this.redis.execute(SAVE, List.of(KEY, VERSION_KEY), this.json.writeValueAsString(rules), CHANNEL,
				expectedArgument(expected));
		return checked(version, expected);
	}

	/**
	 * Deletes the runtime rules, so every instance returns to its configured ones, if the
	 * rules are still at {@code expected} (any when {@code null}); returns the version of
	 * the change.
	 * @throws VersionMismatchException when they are at another version (nothing changed)
	 */
	long delete(Long expected) {
		continueLegacyVersions();
		// the former key first (another slot on a cluster, so not in the script): an
		// instance that reloads on the announcement must not find it. Checked before, so
		// that a refused change leaves it; the script checks again, atomically.
		if (expected != null && version() != expected) {
			throw new VersionMismatchException(expected, version());
		}
		this.redis.delete(LEGACY_KEY);
		Long version = this.redis.execute(DELETE, List.of(KEY, VERSION_KEY), CHANNEL, expectedArgument(expected));
		return checked(version, expected);
	}

	/**
	 * The version of the last change (0: never changed): what a change's {@code If-Match}
	 * names.
	 */
	long version() {
		continueLegacyVersions();
		String version = this.redis.opsForValue().get(VERSION_KEY);
		return (version != null) ? Long.parseLong(version.trim()) : 0;
	}

	private static String expectedArgument(Long expected) {
		return (expected != null) ? Long.toString(expected) : "";
	}

	private static long checked(Long version, Long expected) {
		if (version == null) {
			return 0;
		}
		if (version < 0) {
			throw new VersionMismatchException(expected, -1 - version);
		}
		return version;
	}

	/**
	 * Starts the version counter where the former one stopped, once: versions keep
	 * increasing across the key change instead of starting again from 1.
	 */
	private void continueLegacyVersions() {
		if (Boolean.TRUE.equals(this.redis.hasKey(VERSION_KEY))) {
			return;
		}
		String legacy = this.redis.opsForValue().get(LEGACY_VERSION_KEY);
		if (legacy != null) {
			try {
				this.redis.opsForValue().setIfAbsent(VERSION_KEY, Long.toString(Long.parseLong(legacy.trim())));
			}
			catch (NumberFormatException ex) {
				// not a counter: the new one starts from 1
			}
		}
	}

	Optional<StoredRules> load() {
		String document = this.redis.opsForValue().get(KEY);
		if (document == null) {
			document = this.redis.opsForValue().get(LEGACY_KEY);
		}
		return Optional.ofNullable(document).map((text) -> this.json.readValue(text, StoredRules.class));
	}

	/**
	 * @param version increases with every change
	 * @param rules the rules
	 */
	record StoredRules(long version, List<RuleSpec> rules) {

	}

	/** A change made against a version that is no longer the last one. */
	static final class VersionMismatchException extends RuntimeException {

		private final long current;

		VersionMismatchException(Long expected, long current) {
			super("The rules are at version " + current + ", not " + expected
					+ ": they changed since you read them; read them again (GET) and repeat the change "
					+ "with If-Match: \"" + current + "\"");
			this.current = current;
		}

		long current() {
			return this.current;
		}

	}

}
