package dev.blueprint.ratelimit.rules;

import dev.blueprint.ratelimit.core.rules.InvalidRuleException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad rules file into a start-up report that names the rule and field. */
class InvalidRuleFailureAnalyzer extends AbstractFailureAnalyzer<InvalidRuleException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidRuleException cause) {
		return new FailureAnalysis(cause.getMessage(), "Fix field '" + cause.field() + "' of rule " + cause.rule()
				+ " under blueprint.ratelimit.rules (see the rule reference in rate-limiter-service/README.md).",
				cause);
	}

}
