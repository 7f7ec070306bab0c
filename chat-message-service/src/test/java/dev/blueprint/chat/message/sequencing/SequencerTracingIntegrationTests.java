package dev.blueprint.chat.message.sequencing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.message.support.ChatIntegrationTest;
import dev.blueprint.testsupport.Traceparent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sequencer's hop of a chat message's trace: it consumes submissions in batches, so
 * no framework continues each record's trace; it does so itself, and the event it
 * produces for a submission carries the submission's trace id.
 */
class SequencerTracingIntegrationTests extends ChatIntegrationTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Test
	void theEventForASubmissionContinuesItsTrace() throws Exception {
		String alice = unique("alice");
		UUID conversation = conversation(alice, "direct", unique("bob"));
		Traceparent accepted = Traceparent.newSampled();
		Traceparent refused = Traceparent.newSampled();

		submitInTrace(conversation, alice, "traced", accepted);
		submitInTrace(conversation, unique("mallory"), "not-a-member", refused);

		Map<Class<?>, Traceparent> traces = traceparentsByEventType(conversation, 2);
		assertThat(traces.get(ChatEvent.MessagePersisted.class).traceId()).isEqualTo(accepted.traceId());
		assertThat(traces.get(ChatEvent.MessagePersisted.class).spanId()).isNotEqualTo(accepted.spanId());
		assertThat(traces.get(ChatEvent.MessageRejected.class).traceId()).isEqualTo(refused.traceId());
	}

	private void submitInTrace(UUID conversation, String sender, String clientMessageId, Traceparent trace)
			throws Exception {
		ChatEvent.MessageSubmitted message = new ChatEvent.MessageSubmitted(conversation, UUID.randomUUID(), sender,
				clientMessageId, "hello", Instant.now(), new ChatEvent.Origin("test-gateway", "session-" + sender));
		this.producer
			.send(new ProducerRecord<>(ChatTopics.SUBMITTED, null, conversation.toString(), this.codec.encode(message),
					List.of(new RecordHeader(Traceparent.HEADER, trace.toString().getBytes(StandardCharsets.UTF_8)))))
			.get(10, TimeUnit.SECONDS);
	}

	private Map<Class<?>, Traceparent> traceparentsByEventType(UUID conversation, int count) {
		Map<Class<?>, Traceparent> traces = new HashMap<>();
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (traces.size() < count && System.nanoTime() < deadline) {
			for (ConsumerRecord<String, String> record : this.events.poll(Duration.ofMillis(200))) {
				ChatEvent event = this.codec.decode(record.value());
				if (event.conversationId().equals(conversation)) {
					Header header = record.headers().lastHeader(Traceparent.HEADER);
					assertThat(header).as("traceparent header of " + event).isNotNull();
					traces.put(event.getClass(), Traceparent.parse(header.value()));
				}
			}
		}
		assertThat(traces).as("events of " + conversation).hasSize(count);
		return traces;
	}

}
