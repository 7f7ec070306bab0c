package dev.blueprint.shortener.redirect;

import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Spring Boot's MVC set-up with {@link CodePathHandlerMapping} as its annotated-handler
 * mapping.
 */
@Configuration(proxyBeanMethods = false)
class RedirectRouting {

	@Bean
	WebMvcRegistrations codePathHandlerMapping() {
		return new WebMvcRegistrations() {

			@Override
			public RequestMappingHandlerMapping getRequestMappingHandlerMapping() {
				return new CodePathHandlerMapping();
			}

		};
	}

}
