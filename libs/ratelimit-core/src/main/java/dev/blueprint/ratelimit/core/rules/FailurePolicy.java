package dev.blueprint.ratelimit.core.rules;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a rule decides while its store (Redis) cannot be reached. */
public enum FailurePolicy {

	/** Admit every request: availability over protection. */
	FAIL_OPEN("fail-open"),

	/** Deny every request: protection over availability. */
	FAIL_CLOSED("fail-closed"),

	/**
	 * Decide in this process with the rule's limits divided by the number of instances,
	 * so the instances together stay close to the global limit.
	 */
	LOCAL("local");

	private final String id;

	FailurePolicy(String id) {
		this.id = id;
	}

	public String id() {
		return this.id;
	}

	public static Optional<FailurePolicy> fromId(String id) {
		return Arrays.stream(values()).filter((policy) -> policy.id.equals(id)).findFirst();
	}

	public static String ids() {
		return Arrays.stream(values()).map(FailurePolicy::id).collect(Collectors.joining(", "));
	}

}
