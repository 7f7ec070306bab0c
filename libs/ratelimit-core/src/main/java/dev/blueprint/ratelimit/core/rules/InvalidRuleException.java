package dev.blueprint.ratelimit.core.rules;

/**
 * A rule definition that cannot be used. The message names the rule and the field, e.g.
 * {@code Invalid rate limit rule 'search': limits[0].limit must be greater than 0, was 0}.
 */
public class InvalidRuleException extends RuntimeException {

	private final String rule;

	private final String field;

	public InvalidRuleException(String rule, String field, String problem) {
		super("Invalid rate limit rule " + rule + ": " + field + " " + problem);
		this.rule = rule;
		this.field = field;
	}

	/**
	 * The rule, quoted ({@code 'search'}) or by position ({@code rules[2]}) if unnamed.
	 */
	public String rule() {
		return this.rule;
	}

	/** The field path inside the rule, e.g. {@code limits[0].unit}. */
	public String field() {
		return this.field;
	}

}
