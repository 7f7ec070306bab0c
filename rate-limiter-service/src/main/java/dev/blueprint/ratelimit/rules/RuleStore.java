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

	private static final RedisScript<Long> SAVE = RedisScript.of("""
			local version = redis.call('INCR', KEYS[2])
			redis.call('SET', KEYS[1], '{"version":' .. version .. ',"rules":' .. ARGV[1] .. '}')
			redis.call('PUBLISH', ARGV[2], tostring(version))
			return version
			""", Long.class);

	private static final RedisScript<Long> DELETE = RedisScript.of("""
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

	/** Stores a validated rule set and announces it; returns its version. */
	long save(List<RuleSpec> rules) {
		continueLegacyVersions();
		Long version = this.redis.execute(SAVE, List.of(KEY, VERSION_KEY), this.json.writeValueAsString(rules),
				CHANNEL);
		return (version != null) ? version : 0;
	}

	/**
	 * Deletes the runtime rules, so every instance returns to its configured ones;
	 * returns the version of the change.
	 */
	long delete() {
		continueLegacyVersions();
		this.redis.delete(LEGACY_KEY);
		Long version = this.redis.execute(DELETE, List.of(KEY, VERSION_KEY), CHANNEL);
		return (version != null) ? version : 0;
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

}
