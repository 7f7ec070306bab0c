package dev.blueprint.platform.tracing;

import java.util.function.BiConsumer;
import java.util.function.Function;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

/**
 * Runs work in a span that continues the trace a message arrived with, for the hops that
 * no framework observes: a STOMP SEND frame, one record of a batch listener. Records sent
 * inside the span carry its context in their {@code traceparent} header: through
 * {@link TracedRecords} (one header write, no observation per record), or through the
 * Kafka template's observation where a service keeps it on.
 */
public class MessageTracing {

	private final Tracer tracer;

	private final Propagator propagator;

	public MessageTracing(Tracer tracer, Propagator propagator) {
		this.tracer = tracer;
		this.propagator = propagator;
	}

	/**
	 * Runs {@code work} in a new span named {@code name}: a child of the trace context in
	 * the message's headers (W3C {@code traceparent}), or the root of a new trace when
	 * there is none, and the current span while {@code work} runs.
	 * @param name the span name, such as {@code chat.send}
	 * @param headers the message's header by name, {@code null} when absent
	 * @param work what to run in the span
	 */
	public void inSpan(String name, Function<String, String> headers, Runnable work) {
		Span span = this.propagator.extract(headers, (carrier, key) -> carrier.apply(key)).name(name).start();
		try (Tracer.SpanInScope scope = this.tracer.withSpan(span)) {
			work.run();
		}
		catch (RuntimeException ex) {
			span.error(ex);
			throw ex;
		}
		finally {
			span.end();
		}
	}

	/**
	 * Writes the current span's context as propagation headers (W3C {@code traceparent},
	 * and {@code tracestate} and baggage when there are any) through {@code setter};
	 * nothing when no span is current.
	 * @param setter takes each header's name and value
	 */
	public void inject(BiConsumer<String, String> setter) {
		TraceContext context = this.tracer.currentTraceContext().context();
		if (context != null) {
			this.propagator.inject(context, setter, BiConsumer::accept);
		}
	}

}
