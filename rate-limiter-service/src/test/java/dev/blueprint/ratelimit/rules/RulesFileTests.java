package dev.blueprint.ratelimit.rules;

import java.nio.file.Path;
import java.util.Map;

import dev.blueprint.ratelimit.RateLimiterApplication;
import dev.blueprint.ratelimit.core.rules.InvalidRuleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A malformed rules file stops the service from starting, with a message that names the
 * rule and the field. One fixture per case under src/test/resources/rules, named after
 * it.
 */
@ExtendWith(OutputCaptureExtension.class)
class RulesFileTests {

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|',
			textBlock = """
					zero-or-negative-limit.yaml | Invalid rate limit rule 'search': limits[0].limit must be greater than 0, was 0
					unknown-unit.yaml           | Invalid rate limit rule 'search': limits[1].unit 'fortnight' is not one of second, minute, hour, day or a duration such as 500ms, 10s, 5m
					unknown-algorithm.yaml      | Invalid rate limit rule 'search': algorithm 'leaky-bucket' is not one of token-bucket, sliding-window-log, sliding-window-counter, fixed-window
					duplicate-rule.yaml         | Invalid rate limit rule 'search': name is defined twice (rules[0] and rules[2])
					window-too-long.yaml        | Invalid rate limit rule 'search': limits[1].unit '99999999999999999999d' is longer than the longest window, 366d
					""")
	void badRulesFileFailsStartUp(String fixture, String message, CapturedOutput output) {
		Throwable failure = catchThrowable(
				() -> new SpringApplicationBuilder(RateLimiterApplication.class).web(WebApplicationType.NONE)
					.run("--spring.config.import=classpath:rules/" + fixture,
							"--blueprint.security.jwt.hmac-secret=rules-file-tests-secret-0123456789abcdef")
					.close());

		assertThat(failure).isNotNull();
		Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
		assertThat(cause).isInstanceOf(InvalidRuleException.class).hasMessage(message);
		assertThat(output).contains("Description:", message, "under blueprint.ratelimit.rules");
	}

	@Test
	void theRulesFileNamedByRatelimitRulesFileIsImported() throws Exception {
		String file = Path.of(getClass().getResource("/rules/duplicate-rule.yaml").toURI()).toString();
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of("RATELIMIT_RULES_FILE", file)));
		Throwable failure = catchThrowable(
				() -> new SpringApplicationBuilder(RateLimiterApplication.class).web(WebApplicationType.NONE)
					.environment(environment)
					.run("--blueprint.security.jwt.hmac-secret=rules-file-tests-secret-0123456789abcdef")
					.close());
		assertThat(NestedExceptionUtils.getMostSpecificCause(failure)).isInstanceOf(InvalidRuleException.class)
			.hasMessageContaining("'search': name is defined twice");
	}

}
