package dev.blueprint.chat.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.testsupport.TopicConsumers;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Headers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's {@code chat.messages.submitted} topic read from its end, so a test sees
 * what the gateway submits after it started: one plain consumer assigned every partition.
 * Every event a test takes is checked to be keyed by its conversation (the partitioning
 * contract the sequencer relies on).
 */
public final class SubmittedTopic implements AutoCloseable {

	private final KafkaConsumer<String, String> consumer;

	private final ChatEventCodec codec = new ChatEventCodec();

	private SubmittedTopic(KafkaConsumer<String, String> consumer) {
		this.consumer = consumer;
	}

	/** Positioned at the current end of every partition. */
	public static SubmittedTopic fromEnd() {
		return new SubmittedTopic(TopicConsumers.fromEnd(ChatTopics.SUBMITTED, Map.of()));
	}

	/**
	 * The next event of {@code type} that {@code matches}, within {@code wait}.
	 * @throws AssertionError naming {@code what} when none came
	 */
	public <T extends ChatEvent> Submitted<T> next(Class<T> type, Predicate<T> matches, Duration wait, String what) {
		List<Submitted<T>> found = take(type, matches, 1, wait);
		if (found.isEmpty()) {
			throw new AssertionError("nothing submitted " + what + " within " + wait);
		}
		return found.get(0);
	}

	/**
	 * Events of {@code type} that {@code matches}, in topic order per partition: at least
	 * {@code count}, or all that came within {@code wait}.
	 */
	public <T extends ChatEvent> List<Submitted<T>> take(Class<T> type, Predicate<T> matches, int count,
			Duration wait) {
		List<Submitted<T>> found = new ArrayList<>();
		long deadline = System.nanoTime() + wait.toNanos();
		while (found.size() < count && System.nanoTime() < deadline) {
			for (ConsumerRecord<String, String> record : this.consumer.poll(Duration.ofMillis(200))) {
				ChatEvent event = this.codec.decode(record.value());
				if (type.isInstance(event) && matches.test(type.cast(event))) {
					assertThat(record.key()).isEqualTo(event.conversationId().toString());
					found.add(new Submitted<>(type.cast(event), record.headers()));
				}
			}
		}
		return found;
	}

	@Override
	public void close() {
		this.consumer.close();
	}

	/** An event as submitted, with its record's headers. */
	public record Submitted<T extends ChatEvent>(T event, Headers headers) {
	}

}
