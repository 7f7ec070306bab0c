package dev.blueprint.platform.tracing;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Log and trace settings every service shares, added as the lowest-precedence property
 * source so a service's own {@code application.yml} or the environment still wins.
 * <ul>
 * <li>Console logs are JSON lines in Elastic Common Schema: what compose and Kubernetes
 * log collectors ingest without a parsing rule, and each line inside a span carries its
 * {@code traceId} and {@code spanId} (from the MDC).
 * {@code LOGGING_STRUCTURED_FORMAT_CONSOLE} switches to {@code logstash} or {@code gelf},
 * or, set empty, back to plain text.</li>
 * <li>Kafka producers and listener containers are observed, so a record carries the W3C
 * {@code traceparent} of the span that sent it and a record listener continues it.</li>
 * </ul>
 */
public class LogsAndTracesEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String SOURCE_NAME = "blueprintLogsAndTracesDefaults";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		environment.getPropertySources()
			.addLast(new MapPropertySource(SOURCE_NAME,
					Map.of("logging.structured.format.console", "ecs", "spring.kafka.template.observation-enabled",
							"true", "spring.kafka.listener.observation-enabled", "true")));
	}

}
