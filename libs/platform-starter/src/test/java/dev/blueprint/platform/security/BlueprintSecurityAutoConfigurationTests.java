package dev.blueprint.platform.security;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.oauth2.jwt.JwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;

class BlueprintSecurityAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BlueprintSecurityAutoConfiguration.class));

	@Test
	void failsWithoutAnyKey() {
		this.contextRunner.run((context) -> assertThat(context).getFailure()
			.rootCause()
			.isInstanceOf(JwtKeyConfigurationException.class));
	}

	@Test
	void usesTheSharedSecret() {
		this.contextRunner.withPropertyValues("blueprint.security.jwt.hmac-secret=0123456789abcdef0123456789abcdef")
			.run((context) -> assertThat(context).hasSingleBean(JwtDecoder.class));
	}

	@Test
	void leavesTheDecoderToSpringBootWhenAnIssuerIsConfigured() {
		this.contextRunner
			.withPropertyValues("spring.security.oauth2.resourceserver.jwt.issuer-uri=https://idp.example")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(JwtDecoder.class));
	}

}
