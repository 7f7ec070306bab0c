package dev.blueprint.platform.tracing;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class MessageTracingTests {

	private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	private static final String PARENT_SPAN_ID = "00f067aa0ba902b7";

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
				OpenTelemetrySdkAutoConfiguration.class, OpenTelemetryTracingAutoConfiguration.class,
				MicrometerTracingAutoConfiguration.class, MessageTracingAutoConfiguration.class));

	@Test
	void continuesTheTraceOfTheMessagesTraceparent() {
		this.contexts.run((context) -> {
			Map<String, String> headers = Map.of("traceparent", "00-" + TRACE_ID + "-" + PARENT_SPAN_ID + "-01");
			TraceContext inside = currentContextIn(context.getBean(MessageTracing.class), context.getBean(Tracer.class),
					headers);
			assertThat(inside.traceId()).isEqualTo(TRACE_ID);
			assertThat(inside.parentId()).isEqualTo(PARENT_SPAN_ID);
			assertThat(inside.spanId()).isNotEqualTo(PARENT_SPAN_ID);
			assertThat(inside.sampled()).isTrue();
		});
	}

	@Test
	void startsANewTraceWithoutOne() {
		this.contexts.run((context) -> {
			Tracer tracer = context.getBean(Tracer.class);
			TraceContext inside = currentContextIn(context.getBean(MessageTracing.class), tracer, Map.of());
			assertThat(inside.traceId()).hasSize(32).isNotEqualTo("0".repeat(32));
			assertThat(inside.parentId()).isNull();
			assertThat(tracer.currentSpan()).isNull();
		});
	}

	@Test
	void aFailureStillEndsTheSpanAndPropagates() {
		this.contexts.run((context) -> {
			Tracer tracer = context.getBean(Tracer.class);
			assertThatIllegalStateException()
				.isThrownBy(() -> context.getBean(MessageTracing.class).inSpan("test", (name) -> null, () -> {
					throw new IllegalStateException("boom");
				}));
			assertThat(tracer.currentSpan()).isNull();
		});
	}

	@Test
	void aRecordSentInTheSpanCarriesItsContext() {
		this.contexts.run((context) -> {
			Map<String, String> headers = Map.of("traceparent", "00-" + TRACE_ID + "-" + PARENT_SPAN_ID + "-01");
			Tracer tracer = context.getBean(Tracer.class);
			AtomicReference<TraceContext> inside = new AtomicReference<>();
			AtomicReference<ProducerRecord<String, String>> record = new AtomicReference<>();
			MessageTracing tracing = context.getBean(MessageTracing.class);
			tracing.inSpan("test", headers::get, () -> {
				inside.set(tracer.currentSpan().context());
				record.set(TracedRecords.of(tracing, "topic", "key", "value"));
			});
			Header traceparent = record.get().headers().lastHeader("traceparent");
			assertThat(traceparent).isNotNull();
			assertThat(new String(traceparent.value(), StandardCharsets.UTF_8))
				.isEqualTo("00-" + TRACE_ID + "-" + inside.get().spanId() + "-01");
			assertThat(record.get().topic()).isEqualTo("topic");
			assertThat(record.get().key()).isEqualTo("key");
			assertThat(record.get().value()).isEqualTo("value");
		});
	}

	@Test
	void aRecordSentOutsideAnySpanCarriesNoContext() {
		this.contexts.run((context) -> {
			ProducerRecord<String, String> record = TracedRecords.of(context.getBean(MessageTracing.class), "topic",
					"key", "value");
			assertThat(record.headers().lastHeader("traceparent")).isNull();
		});
	}

	private static TraceContext currentContextIn(MessageTracing tracing, Tracer tracer, Map<String, String> headers) {
		AtomicReference<TraceContext> inside = new AtomicReference<>();
		tracing.inSpan("test", headers::get, () -> inside.set(tracer.currentSpan().context()));
		return inside.get();
	}

}
