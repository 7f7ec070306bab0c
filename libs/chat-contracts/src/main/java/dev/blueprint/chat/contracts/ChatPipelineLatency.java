package dev.blueprint.chat.contracts;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The one latency histogram every hop of the message path records into: time since the
 * sender's gateway accepted the message ({@code sentAt}), tagged by the stage reached.
 * Stages, in path order: {@code sequenced} (chat-message-service stored it and its
 * transaction committed), {@code routed} (notification-service published it to the
 * recipients' gateways), {@code delivered} (a recipient's gateway received it and pushed
 * it to the sessions). The difference between two stages' quantiles is where the time
 * goes; the SLO buckets match the chat latency goal (100 ms).
 */
public final class ChatPipelineLatency {

	/** The metric name (Prometheus: {@code blueprint_chat_pipeline_latency_seconds}). */
	public static final String NAME = "blueprint.chat.pipeline.latency";

	public static final String SEQUENCED = "sequenced";

	public static final String ROUTED = "routed";

	public static final String DELIVERED = "delivered";

	private ChatPipelineLatency() {
	}

	public static Timer timer(MeterRegistry meters, String stage) {
		return Timer.builder(NAME)
			.description("Time since the sender's gateway accepted a message, by the stage it reached")
			.tag("stage", stage)
			.serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
					Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
					Duration.ofSeconds(1), Duration.ofSeconds(5))
			.register(meters);
	}

}
