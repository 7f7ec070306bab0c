package dev.blueprint.ratelimit.core.rules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Limit;

/**
 * An immutable, validated set of rules, looked up by name or by API. Built all at once:
 * one bad rule rejects the whole set, with an {@link InvalidRuleException} naming the
 * rule and the field.
 */
public final class RuleBook {

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

	private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

	private static final Map<String, Duration> UNITS = Map.of("second", Duration.ofSeconds(1), "minute",
			Duration.ofMinutes(1), "hour", Duration.ofHours(1), "day", Duration.ofDays(1));

	private final Map<String, Rule> byName;

	private final Map<String, Rule> byApi;

	private RuleBook(Map<String, Rule> byName, Map<String, Rule> byApi) {
		this.byName = byName;
		this.byApi = byApi;
	}

	public static RuleBook empty() {
		return new RuleBook(Map.of(), Map.of());
	}

	/**
	 * Validates every rule.
	 * @param specs the rules as written
	 * @return the rule book
	 * @throws InvalidRuleException for the first problem found
	 */
	public static RuleBook of(List<RuleSpec> specs) {
		Map<String, Rule> byName = new LinkedHashMap<>();
		Map<String, Integer> positions = new LinkedHashMap<>();
		Map<String, Rule> byApi = new LinkedHashMap<>();
		List<RuleSpec> all = (specs != null) ? specs : List.of();
		for (int i = 0; i < all.size(); i++) {
			RuleSpec spec = all.get(i);
			Rule rule = rule(spec, i);
			Integer previous = positions.putIfAbsent(rule.name(), i);
			if (previous != null) {
				throw new InvalidRuleException(quote(rule.name()), "name",
						"is defined twice (rules[" + previous + "] and rules[" + i + "])");
			}
			if (rule.api() != null) {
				Rule other = byApi.putIfAbsent(rule.api(), rule);
				if (other != null) {
					throw new InvalidRuleException(quote(rule.name()), "api",
							"'" + rule.api() + "' is already used by rule '" + other.name() + "'");
				}
			}
			byName.put(rule.name(), rule);
		}
		return new RuleBook(Map.copyOf(byName), Map.copyOf(byApi));
	}

	public Optional<Rule> byName(String name) {
		return Optional.ofNullable(this.byName.get(name));
	}

	public Optional<Rule> byApi(String api) {
		return Optional.ofNullable(this.byApi.get(api));
	}

	public Collection<Rule> rules() {
		return this.byName.values();
	}

	private static Rule rule(RuleSpec spec, int position) {
		if (spec == null || spec.name() == null || spec.name().isBlank()) {
			throw new InvalidRuleException("rules[" + position + "]", "name", "is required");
		}
		String rule = quote(spec.name());
		if (!NAME.matcher(spec.name()).matches()) {
			throw new InvalidRuleException(rule, "name",
					"must be 1 to 64 letters, digits, '.', '_' or '-', was '" + spec.name() + "'");
		}
		Algorithm algorithm = algorithm(rule, "algorithm", spec.algorithm(), Algorithm.TOKEN_BUCKET);
		FailurePolicy policy = FailurePolicy.LOCAL;
		if (spec.failurePolicy() != null) {
			policy = FailurePolicy.fromId(spec.failurePolicy().trim().toLowerCase(Locale.ROOT))
				.orElseThrow(() -> new InvalidRuleException(rule, "failure-policy",
						"'" + spec.failurePolicy() + "' is not one of " + FailurePolicy.ids()));
		}
		List<Limit> limits = limits(rule, "limits", spec.limits(), algorithm);
		Map<String, List<Limit>> overrides = new LinkedHashMap<>();
		List<OverrideSpec> overrideSpecs = (spec.overrides() != null) ? spec.overrides() : List.of();
		for (int i = 0; i < overrideSpecs.size(); i++) {
			OverrideSpec override = overrideSpecs.get(i);
			String field = "overrides[" + i + "]";
			if (override == null || override.subject() == null || override.subject().isEmpty()) {
				throw new InvalidRuleException(rule, field + ".subject", "is required");
			}
			if (overrides.containsKey(override.subject())) {
				throw new InvalidRuleException(rule, field + ".subject",
						"'" + override.subject() + "' is overridden twice");
			}
			overrides.put(override.subject(), limits(rule, field + ".limits", override.limits(), algorithm));
		}
		String api = (spec.api() != null && !spec.api().isBlank()) ? spec.api().trim() : null;
		return new Rule(spec.name(), api, limits, overrides, Boolean.TRUE.equals(spec.shadow()), policy);
	}

	private static List<Limit> limits(String rule, String field, List<LimitSpec> specs, Algorithm ruleAlgorithm) {
		if (specs == null || specs.isEmpty()) {
			throw new InvalidRuleException(rule, field, "must list at least one limit");
		}
		List<Limit> limits = new ArrayList<>(specs.size());
		for (int i = 0; i < specs.size(); i++) {
			LimitSpec spec = specs.get(i);
			String path = field + "[" + i + "]";
			if (spec == null || spec.limit() == null) {
				throw new InvalidRuleException(rule, path + ".limit", "is required");
			}
			if (spec.limit() <= 0) {
				throw new InvalidRuleException(rule, path + ".limit", "must be greater than 0, was " + spec.limit());
			}
			if (spec.limit() > Limit.MAX_PERMITS) {
				throw new InvalidRuleException(rule, path + ".limit",
						"must be at most " + Limit.MAX_PERMITS + ", was " + spec.limit());
			}
			Duration window = unit(rule, path + ".unit", spec.unit());
			Algorithm algorithm = algorithm(rule, path + ".algorithm", spec.algorithm(), ruleAlgorithm);
			long burst = spec.limit();
			if (spec.burst() != null) {
				if (spec.burst() <= 0) {
					throw new InvalidRuleException(rule, path + ".burst",
							"must be greater than 0, was " + spec.burst());
				}
				if (spec.burst() > Limit.MAX_PERMITS) {
					throw new InvalidRuleException(rule, path + ".burst",
							"must be at most " + Limit.MAX_PERMITS + ", was " + spec.burst());
				}
				if (algorithm != Algorithm.TOKEN_BUCKET) {
					throw new InvalidRuleException(rule, path + ".burst",
							"only applies to token-bucket, not " + algorithm.id());
				}
				burst = spec.burst();
			}
			limits.add(new Limit(algorithm, spec.limit(), window, burst));
		}
		return limits;
	}

	private static Duration unit(String rule, String field, String unit) {
		if (unit == null || unit.isBlank()) {
			throw new InvalidRuleException(rule, field, "is required");
		}
		String value = unit.trim().toLowerCase(Locale.ROOT);
		Duration named = UNITS.get(value);
		if (named != null) {
			return named;
		}
		Matcher matcher = DURATION.matcher(value);
		if (matcher.matches()) {
			Duration duration = duration(matcher.group(1), matcher.group(2));
			if (duration == null || duration.compareTo(Limit.MAX_WINDOW) > 0) {
				throw new InvalidRuleException(rule, field,
						"'" + unit + "' is longer than the longest window, " + Limit.MAX_WINDOW.toDays() + "d");
			}
			if (!duration.isZero()) {
				return duration;
			}
		}
		throw new InvalidRuleException(rule, field,
				"'" + unit + "' is not one of second, minute, hour, day or a duration such as 500ms, 10s, 5m");
	}

	/**
	 * The duration, or {@code null} if it does not even fit a {@link Duration} (or its
	 * amount a long), as with {@code 99999999999999999999d}.
	 */
	private static Duration duration(String amount, String unit) {
		try {
			long value = Long.parseLong(amount);
			return switch (unit) {
				case "ms" -> Duration.ofMillis(value);
				case "s" -> Duration.ofSeconds(value);
				case "m" -> Duration.ofMinutes(value);
				case "h" -> Duration.ofHours(value);
				default -> Duration.ofDays(value);
			};
		}
		catch (NumberFormatException | ArithmeticException ex) {
			return null;
		}
	}

	private static Algorithm algorithm(String rule, String field, String id, Algorithm fallback) {
		if (id == null) {
			return fallback;
		}
		return Algorithm.fromId(id.trim().toLowerCase(Locale.ROOT))
			.orElseThrow(() -> new InvalidRuleException(rule, field, "'" + id + "' is not one of " + Algorithm.ids()));
	}

	private static String quote(String name) {
		return "'" + name + "'";
	}

}
