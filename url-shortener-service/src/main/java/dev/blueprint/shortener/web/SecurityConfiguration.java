package dev.blueprint.shortener.web;

import dev.blueprint.platform.security.ProblemDetailAccessDeniedHandler;
import dev.blueprint.platform.security.ProblemDetailAuthenticationEntryPoint;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Replaces the platform's default chain: redirects, anonymous creates, link metadata and
 * the API docs are public; listing and deleting need a JWT. A request that carries an
 * invalid token is still rejected with 401, even on a public path.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityFilterChain shortenerSecurityFilterChain(HttpSecurity http,
			ProblemDetailAuthenticationEntryPoint authenticationEntryPoint,
			ProblemDetailAccessDeniedHandler accessDeniedHandler) {
		return http.csrf(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable)
			.sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.authorizeHttpRequests((requests) -> requests
				.requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus",
						"/error")
				.permitAll()
				.requestMatchers("/swagger-ui.html", "/swagger-ui/**", "/v3/api-docs", "/v3/api-docs/**")
				.permitAll()
				.requestMatchers(HttpMethod.POST, "/api/v1/urls")
				.permitAll()
				.requestMatchers(HttpMethod.GET, "/api/v1/urls/*")
				.permitAll()
				.requestMatchers(HttpMethod.GET, "/*")
				.permitAll()
				.requestMatchers(HttpMethod.HEAD, "/*")
				.permitAll()
				.requestMatchers(HttpMethod.GET, "/_bench/**")
				.permitAll()
				.anyRequest()
				.authenticated())
			.oauth2ResourceServer((resourceServer) -> resourceServer.jwt(Customizer.withDefaults())
				.authenticationEntryPoint(authenticationEntryPoint)
				.accessDeniedHandler(accessDeniedHandler))
			.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(authenticationEntryPoint)
				.accessDeniedHandler(accessDeniedHandler))
			.build();
	}

}
