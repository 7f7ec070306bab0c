package dev.blueprint.platform.web;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;

/**
 * A limit on every HTTP request body of a servlet service
 * ({@code blueprint.web.max-request-body}, 1 MB by default): see
 * {@link RequestBodyLimitFilter}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = Type.SERVLET)
@EnableConfigurationProperties(RequestBodyLimitProperties.class)
public final class RequestBodyLimitAutoConfiguration {

	/**
	 * Right after the character encoding filter and the observation filter (so a refusal
	 * is measured), before anything that reads a body: Spring's form content filter
	 * ({@code -9900}, which reads a form-encoded PUT, PATCH or DELETE whole) and Spring
	 * Security's chain ({@code -100}; a public path reads bodies too).
	 */
	static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	@Bean
	FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(RequestBodyLimitProperties properties,
			ObjectProvider<JsonMapper> jsonMapper) {
		JsonMapper mapper = jsonMapper.getIfAvailable(JsonMapper::new);
		FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(
				new RequestBodyLimitFilter(properties.maxRequestBody().toBytes(),
						new JacksonJsonHttpMessageConverter(mapper.rebuild())));
		registration.setOrder(ORDER);
		return registration;
	}

}
