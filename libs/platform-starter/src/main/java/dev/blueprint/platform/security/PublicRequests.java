package dev.blueprint.platform.security;

import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;

/**
 * Requests a service serves without a token, on top of the platform's public health, info
 * and Prometheus endpoints. Declare one as a bean; the platform's filter chain permits
 * what it adds and still requires a valid JWT for everything else (and rejects an invalid
 * one everywhere).
 */
@FunctionalInterface
public interface PublicRequests {

	/**
	 * Adds {@code permitAll()} matchers.
	 * @param requests the chain's request authorization registry
	 */
	void permit(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry requests);

}
