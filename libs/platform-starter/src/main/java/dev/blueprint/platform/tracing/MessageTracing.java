package dev.blueprint.platform.tracing;

import java.util.function.Function;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

/**
 * Runs work in a span that continues the trace a message arrived with, for the hops that
 * no framework observes: a STOMP SEND frame, one record of a batch listener. Kafka sends
 * made inside the span are observed as its children, so the records they produce carry
 * the same trace id in their {@code traceparent} header.
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

}
