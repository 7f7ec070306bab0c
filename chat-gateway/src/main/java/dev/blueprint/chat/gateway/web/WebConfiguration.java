package dev.blueprint.chat.gateway.web;

import dev.blueprint.platform.security.PublicRequests;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The web chat page: its static files (public), the REST calls it makes (forwarded with
 * their token by {@link ApiProxy}), and, on local stacks only, sign-in by user name
 * ({@link DevTokens}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WebProperties.class)
class WebConfiguration {

	/** The page and its scripts hold no data: public, like a login page. */
	@Bean
	PublicRequests chatPage() {
		return (requests) -> requests.requestMatchers(HttpMethod.GET, "/", "/index.html", "/favicon.ico", "/chat/**")
			.permitAll();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "gateway.web.dev-tokens", havingValue = "true")
	static class DevTokenConfiguration {

		@Bean
		PublicRequests devTokenEndpoint() {
			return (requests) -> requests.requestMatchers(HttpMethod.POST, DevTokens.PATH).permitAll();
		}

	}

}
