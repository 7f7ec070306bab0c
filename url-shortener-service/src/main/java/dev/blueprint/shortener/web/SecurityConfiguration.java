package dev.blueprint.shortener.web;

import dev.blueprint.platform.security.PublicRequests;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * What the shortener serves without a token, on top of the platform's chain: redirects,
 * anonymous creates, link metadata and the API docs. Listing and deleting need a JWT; a
 * request that carries an invalid token is still rejected with 401, even on a public
 * path.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	PublicRequests shortenerPublicRequests() {
		return (requests) -> requests
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
			// only there with shortener.benchmark-endpoint=true
			.requestMatchers("/_bench/**")
			.permitAll();
	}

}
