package dev.blueprint.chat.gateway.web;

import java.time.Clock;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sign-in by user name exists only where it is switched on, and never beside an external
 * token issuer.
 */
class DevTokenConfigurationTests {

	private final ApplicationContextRunner context = new ApplicationContextRunner()
		.withUserConfiguration(Support.class, WebConfiguration.DevTokenConfiguration.class, DevTokens.class)
		.withPropertyValues("blueprint.security.jwt.hmac-secret=blueprint-test-only-hmac-key-0123456789abcdef");

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WebProperties.class)
	static class Support {

		@Bean
		Clock clock() {
			return Clock.systemUTC();
		}

	}

	@Test
	void offByDefault() {
		this.context.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(DevTokens.class));
		this.context.withPropertyValues("gateway.web.dev-tokens=false")
			.run((context) -> assertThat(context).doesNotHaveBean(DevTokens.class));
	}

	@Test
	void onWhenSwitchedOn() {
		this.context.withPropertyValues("gateway.web.dev-tokens=true")
			.run((context) -> assertThat(context).hasSingleBean(DevTokens.class));
	}

	@Test
	void tokensCarryTheIssuerTheGatewayChecks() {
		this.context.withPropertyValues("gateway.web.dev-tokens=true", "blueprint.security.jwt.issuer=team-stack")
			.run((context) -> assertThat(issuerOf(context.getBean(DevTokens.class))).isEqualTo("team-stack"));
		this.context.withPropertyValues("gateway.web.dev-tokens=true")
			.run((context) -> assertThat(issuerOf(context.getBean(DevTokens.class))).isEqualTo("blueprint-local"));
	}

	@SuppressWarnings("unchecked")
	private static String issuerOf(DevTokens tokens) throws Exception {
		var response = tokens.mint(new DevTokens.TokenRequest("alice"));
		String token = ((java.util.Map<String, String>) response.getBody()).get("token");
		return com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getIssuer();
	}

	@Test
	void refusedWithAnExternalIssuerOrWithoutTheSecret() {
		this.context
			.withPropertyValues("gateway.web.dev-tokens=true",
					"spring.security.oauth2.resourceserver.jwt.issuer-uri=https://issuer.example")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("external issuer"));
		this.context.withPropertyValues("gateway.web.dev-tokens=true", "blueprint.security.jwt.hmac-secret=")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("needs blueprint.security.jwt.hmac-secret"));
	}

}
