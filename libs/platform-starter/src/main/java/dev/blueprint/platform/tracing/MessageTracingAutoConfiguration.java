package dev.blueprint.platform.tracing;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * A {@link MessageTracing} on the application's tracer: OpenTelemetry's, or Micrometer's
 * no-op one where tracing is off.
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.tracing.autoconfigure.NoopTracerAutoConfiguration")
@ConditionalOnClass(Tracer.class)
public final class MessageTracingAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ Tracer.class, Propagator.class })
	MessageTracing messageTracing(Tracer tracer, Propagator propagator) {
		return new MessageTracing(tracer, propagator);
	}

}
