package dev.blueprint.platform.tracing;

import java.util.List;
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
 * <li>Prometheus exemplars (a trace id on a histogram bucket or counter) only when spans
 * are exported somewhere ({@link #TRACE_ENDPOINTS}): otherwise the ids point at nothing,
 * and Prometheus before 2.43 (Debian's 2.42, for one) rejects a whole scrape that has an
 * exemplar on a {@code _count} line.</li>
 * </ul>
 */
public class LogsAndTracesEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String SOURCE_NAME = "blueprintLogsAndTracesDefaults";

	static final String EXEMPLARS = "management.tracing.exemplars.include";

	/**
	 * Where Spring Boot reads an OTLP span endpoint from, any one of which exports spans.
	 */
	static final List<String> TRACE_ENDPOINTS = List.of("management.opentelemetry.tracing.export.otlp.endpoint",
			"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		boolean tracesExported = TRACE_ENDPOINTS.stream().anyMatch((key) -> hasText(environment.getProperty(key)));
		environment.getPropertySources()
			.addLast(new MapPropertySource(SOURCE_NAME,
					Map.of("logging.structured.format.console", "ecs", "spring.kafka.template.observation-enabled",
							"true", "spring.kafka.listener.observation-enabled", "true", EXEMPLARS,
							tracesExported ? "sampled-traces" : "none")));
	}

	private static boolean hasText(String value) {
		return value != null && !value.isBlank();
	}

}
