package dev.blueprint.platform.metrics;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsDefaultsEnvironmentPostProcessorTests {

	private static final String HTTP_SLO = "management.metrics.distribution.slo.http.server.requests";

	private final MetricsDefaultsEnvironmentPostProcessor processor = new MetricsDefaultsEnvironmentPostProcessor();

	@Test
	void givesHttpServerRequestsSloBucketsByDefault() {
		StandardEnvironment environment = new StandardEnvironment();
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(HTTP_SLO)).isEqualTo("5ms,10ms,25ms,50ms,100ms,250ms,500ms,1s,2500ms");
	}

	@Test
	void turnsSpringSecurityObservationsOffByDefaultAndLetsAServiceTurnThemOn() {
		String securityObservations = "management.observations.enable.spring.security";
		StandardEnvironment environment = new StandardEnvironment();
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(securityObservations)).isEqualTo("false");

		StandardEnvironment enabled = new StandardEnvironment();
		enabled.getPropertySources()
			.addFirst(new MapPropertySource("application", Map.of(securityObservations, "true")));
		this.processor.postProcessEnvironment(enabled, new SpringApplication());
		assertThat(enabled.getProperty(securityObservations)).isEqualTo("true");
	}

	@Test
	void turnsLettuceCommandObservationsOffByDefault() {
		StandardEnvironment environment = new StandardEnvironment();
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("management.observations.enable.lettuce")).isEqualTo("false");
	}

	@Test
	void aServicesOwnSettingWins() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("application", Map.of(HTTP_SLO, "1s")));
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(HTTP_SLO)).isEqualTo("1s");
	}

}
