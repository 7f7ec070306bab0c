package dev.blueprint.ratelimit.rules;

import java.util.List;
import java.util.Optional;

import dev.blueprint.ratelimit.core.rules.RuleSpec;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Runtime rules in Redis: the document at {@value #KEY}
 * ({@code {"version":N,"rules":[...]}}) and a message on {@value #CHANNEL} with the new
 * version after each change, so every instance reloads at once.
 */
class RuleStore {

	static final String KEY = "rl:admin:rules";

	static final String VERSION_KEY = "rl:admin:rules-version";

	static final String CHANNEL = "rl:admin:rules-changed";

	private final StringRedisTemplate redis;

	private final JsonMapper json;

	RuleStore(StringRedisTemplate redis, JsonMapper json) {
		this.redis = redis;
		this.json = json;
	}

	/** Stores a validated rule set and announces it; returns its version. */
	long save(List<RuleSpec> rules) {
		Long version = this.redis.opsForValue().increment(VERSION_KEY);
		long next = (version != null) ? version : 1;
		this.redis.opsForValue().set(KEY, this.json.writeValueAsString(new StoredRules(next, rules)));
		this.redis.convertAndSend(CHANNEL, Long.toString(next));
		return next;
	}

	/** Deletes the runtime rules, so every instance returns to its configured ones. */
	void delete() {
		this.redis.delete(KEY);
		Long version = this.redis.opsForValue().increment(VERSION_KEY);
		this.redis.convertAndSend(CHANNEL, Long.toString((version != null) ? version : 0));
	}

	Optional<StoredRules> load() {
		String document = this.redis.opsForValue().get(KEY);
		return Optional.ofNullable(document).map((text) -> this.json.readValue(text, StoredRules.class));
	}

	/**
	 * @param version increases with every change
	 * @param rules the rules
	 */
	record StoredRules(long version, List<RuleSpec> rules) {

	}

}
