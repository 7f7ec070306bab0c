package dev.blueprint.platform.tracing;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class LogsAndTracesEnvironmentPostProcessorTests {

	private static final String CONSOLE_FORMAT = "logging.structured.format.console";

	private final LogsAndTracesEnvironmentPostProcessor processor = new LogsAndTracesEnvironmentPostProcessor();

	@Test
	void consoleLogsAreEcsJsonAndKafkaIsObservedByDefault() {
		StandardEnvironment environment = new StandardEnvironment();
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(CONSOLE_FORMAT)).isEqualTo("ecs");
		assertThat(environment.getProperty("spring.kafka.template.observation-enabled")).isEqualTo("true");
		assertThat(environment.getProperty("spring.kafka.listener.observation-enabled")).isEqualTo("true");
	}

	@Test
	void exemplarsOnlyWhenSpansAreExported() {
		StandardEnvironment local = new StandardEnvironment();
		this.processor.postProcessEnvironment(local, new SpringApplication());
		assertThat(local.getProperty(LogsAndTracesEnvironmentPostProcessor.EXEMPLARS)).isEqualTo("none");
		for (String endpoint : LogsAndTracesEnvironmentPostProcessor.TRACE_ENDPOINTS) {
			StandardEnvironment exported = new StandardEnvironment();
			exported.getPropertySources()
				.addFirst(new MapPropertySource("environment", Map.of(endpoint, "http://collector:4318")));
			this.processor.postProcessEnvironment(exported, new SpringApplication());
			assertThat(exported.getProperty(LogsAndTracesEnvironmentPostProcessor.EXEMPLARS)).as(endpoint)
				.isEqualTo("sampled-traces");
		}
	}

	@Test
	void anEmptyFormatFromTheEnvironmentMeansPlainText() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("environment", Map.of(CONSOLE_FORMAT, "")));
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(CONSOLE_FORMAT)).isEmpty();
	}

}
