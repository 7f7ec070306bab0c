package dev.blueprint.platform.web;

import dev.blueprint.platform.test.PlatformContractIntegrationTests;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server reads JSON bodies strictly; the application's {@link JsonMapper} (and the
 * HTTP clients built from it) stays lenient; the property turns it off.
 */
class StrictRequestBodiesAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(JacksonAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
					WebMvcAutoConfiguration.class, StrictRequestBodiesAutoConfiguration.class));

	@Test
	void theServerReadsStrictlyAndTheApplicationsMapperDoesNot() {
		this.runner.run((context) -> {
			JsonMapper server = serverMapper(context);
			assertThat(server.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isTrue();
			assertThat(server.isEnabled(DeserializationFeature.ACCEPT_FLOAT_AS_INT)).isFalse();
			JsonMapper application = context.getBean(JsonMapper.class);
			assertThat(application.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isFalse();
			assertThat(application.isEnabled(DeserializationFeature.ACCEPT_FLOAT_AS_INT)).isTrue();
		});
	}

	@Test
	void thePropertyTurnsItOff() {
		this.runner.withPropertyValues("blueprint.web.strict-request-bodies=false")
			.run((context) -> assertThat(
					serverMapper(context).isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES))
				.isFalse());
	}

	private static JsonMapper serverMapper(ApplicationContext context) {
		return PlatformContractIntegrationTests.bodyReader(context.getBean(RequestMappingHandlerAdapter.class));
	}

}
