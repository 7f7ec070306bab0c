package dev.blueprint.platform.security;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ConditionalOnDefaultServletWebSecurity;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerAutoConfiguration;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.web.OAuth2ResourceServerWebSecurityAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * JWT bearer authentication for every Blueprint service.
 * <p>
 * Tokens are verified with the HS256 secret in {@code blueprint.security.jwt.hmac-secret}
 * unless an external issuer is configured through Spring Boot's
 * {@code spring.security.oauth2.resourceserver.jwt.*} properties; with neither, start-up
 * fails rather than fall back to a default key.
 * <p>
 * The default {@link SecurityFilterChain} is stateless, permits the health, info and
 * Prometheus endpoints and {@code /error}, plus whatever {@link PublicRequests} beans add
 * (never another {@code /actuator} path), and requires a valid token everywhere else. A
 * service that needs entirely other rules declares its own {@code SecurityFilterChain}
 * bean, which replaces this one, and reuses the
 * {@link ProblemDetailAuthenticationEntryPoint} and
 * {@link ProblemDetailAccessDeniedHandler} beans so errors keep the RFC 9457 format.
 */
@AutoConfiguration(before = { OAuth2ResourceServerAutoConfiguration.class,
		OAuth2ResourceServerWebSecurityAutoConfiguration.class, ManagementWebSecurityAutoConfiguration.class,
		ServletWebSecurityAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class })
@ConditionalOnClass(JwtDecoder.class)
@EnableConfigurationProperties(JwtProperties.class)
public final class BlueprintSecurityAutoConfiguration {

	static final String[] PUBLIC_PATHS = { "/actuator/health", "/actuator/health/**", "/actuator/info",
			"/actuator/prometheus", "/error" };

	static final String[] ACTUATOR_PATHS = { "/actuator", "/actuator/**" };

	@Bean
	@ConditionalOnMissingBean(JwtDecoder.class)
	@Conditional(NoExternalJwtKeySourceCondition.class)
	JwtDecoder jwtDecoder(JwtProperties properties) {
		return HmacJwtDecoders.create(properties);
	}

	/**
	 * A token needs a subject also from an external issuer: Spring Boot adds every
	 * {@link OAuth2TokenValidator} bean to the decoder it builds from
	 * {@code spring.security.oauth2.resourceserver.jwt.*} (the HS256 decoder has it
	 * already).
	 */
	@Bean
	@ConditionalOnMissingBean(name = "blueprintSubjectRequired")
	OAuth2TokenValidator<Jwt> blueprintSubjectRequired() {
		return HmacJwtDecoders.subjectRequired();
	}

	/**
	 * A token needs an {@code exp} also from an external issuer (Spring Security's
	 * default accepts a token without one, valid for ever).
	 */
	@Bean
	@ConditionalOnMissingBean(name = "blueprintExpiryRequired")
	OAuth2TokenValidator<Jwt> blueprintExpiryRequired() {
		return HmacJwtDecoders.expiryRequired();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.SERVLET)
	@ConditionalOnClass({ HttpSecurity.class, JsonMapper.class })
	static class WebSecurityConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ProblemDetailAuthenticationEntryPoint problemDetailAuthenticationEntryPoint(
				ObjectProvider<JsonMapper> jsonMapper) {
			return new ProblemDetailAuthenticationEntryPoint(problemDetailResponses(jsonMapper));
		}

		@Bean
		@ConditionalOnMissingBean
		ProblemDetailAccessDeniedHandler problemDetailAccessDeniedHandler(ObjectProvider<JsonMapper> jsonMapper) {
			return new ProblemDetailAccessDeniedHandler(problemDetailResponses(jsonMapper));
		}

		@Bean
		@ConditionalOnDefaultServletWebSecurity
		SecurityFilterChain blueprintSecurityFilterChain(HttpSecurity http,
				ProblemDetailAuthenticationEntryPoint authenticationEntryPoint,
				ProblemDetailAccessDeniedHandler accessDeniedHandler, ObjectProvider<PublicRequests> publicRequests) {
			return http.csrf(AbstractHttpConfigurer::disable)
				.logout(AbstractHttpConfigurer::disable)
				.sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
				.authorizeHttpRequests((requests) -> {
					requests.requestMatchers(PUBLIC_PATHS).permitAll();
					// Before a service's own public paths, so a broad one (the
					// shortener's
					// GET /*) cannot open the discovery page or another endpoint.
					requests.requestMatchers(ACTUATOR_PATHS).authenticated();
					publicRequests.orderedStream().forEach((extra) -> extra.permit(requests));
					requests.anyRequest().authenticated();
				})
				.oauth2ResourceServer((resourceServer) -> resourceServer.jwt(Customizer.withDefaults())
					.authenticationEntryPoint(authenticationEntryPoint)
					.accessDeniedHandler(accessDeniedHandler))
				.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(authenticationEntryPoint)
					.accessDeniedHandler(accessDeniedHandler))
				.build();
		}

		private static ProblemDetailResponses problemDetailResponses(ObjectProvider<JsonMapper> jsonMapper) {
			// rebuild() keeps the application's Jackson settings and lets the converter
			// add
			// the ProblemDetail mix-in that flattens custom properties into the document.
			JsonMapper mapper = jsonMapper.getIfAvailable(JsonMapper::new);
			return new ProblemDetailResponses(new JacksonJsonHttpMessageConverter(mapper.rebuild()));
		}

	}

}
