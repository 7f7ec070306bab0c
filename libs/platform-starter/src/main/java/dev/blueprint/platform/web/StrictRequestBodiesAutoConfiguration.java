package dev.blueprint.platform.web;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.http.converter.autoconfigure.ServerHttpMessageConvertersCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;

/**
 * Every service reads the JSON bodies of requests to it strictly: a field the API does
 * not have is refused, not ignored, and a fraction where a whole number belongs is
 * refused, not truncated. Each is a 400 naming the field by its JSON path
 * ({@link Problems#unreadableBody}). Jackson 3 ignores unknown fields by default, so a
 * misspelt optional field was a success that did something else than asked: a group
 * created without its name ({@code "nmae"}), a link with a random code instead of the
 * alias ({@code "alais"}), a rate-limit rule failing open on every instance
 * ({@code "failure-policy"} for {@code failurePolicy}).
 * <p>
 * Only what a service reads as a server: its HTTP clients (reading other services'
 * answers) and the application's {@link JsonMapper} stay lenient, so a field a newer
 * service adds to its answers does not break an older caller. Spring Boot's own JSON
 * converter is replaced in the server's converters only (this customizer runs after
 * Boot's, order 0). {@code blueprint.web.strict-request-bodies=false} turns it off.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ JsonMapper.class, ServerHttpMessageConvertersCustomizer.class })
@ConditionalOnBooleanProperty(name = "blueprint.web.strict-request-bodies", matchIfMissing = true)
public final class StrictRequestBodiesAutoConfiguration {

	@Bean
	@Order(1)
	ServerHttpMessageConvertersCustomizer strictRequestBodies(ObjectProvider<JsonMapper> jsonMapper) {
		// from a builder: the converter adds what it needs to write problem details
		JacksonJsonHttpMessageConverter strict = new JacksonJsonHttpMessageConverter(
				strict(jsonMapper.getIfAvailable(JsonMapper::new)).rebuild());
		return (converters) -> converters.withJsonConverter(strict);
	}

	/** {@code mapper}, refusing unknown fields and fractions for whole numbers. */
	static JsonMapper strict(JsonMapper mapper) {
		return mapper.rebuild()
			.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
			.build();
	}

}
