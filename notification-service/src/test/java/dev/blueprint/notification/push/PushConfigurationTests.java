package dev.blueprint.notification.push;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import org.junit.jupiter.api.Test;

import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

class PushConfigurationTests {

	@Test
	void theWebhookUrlIsAnHttpOrHttpsUrlWithAHost() {
		assertThat(PushConfiguration.webhookUrl(" http://push-gateway:8080/v1/push "))
			.isEqualTo(URI.create("http://push-gateway:8080/v1/push"));
		assertThat(PushConfiguration.webhookUrl("HTTPS://push.example/v1")).hasHost("push.example");
	}

	@Test
	void aWebhookUrlThatIsNoneIsRefusedAtStartUpNamingTheSetting() {
		for (String url : new String[] { "push-gateway.push.svc:8080/v1/push", "/v1/push", "ftp://push/v1",
				"http:///v1/push", "http://push gateway/v1" }) {
			assertThatIllegalStateException().as(url)
				.isThrownBy(() -> PushConfiguration.webhookUrl(url))
				.withMessageContaining("NOTIFICATION_PUSH_WEBHOOK_URL")
				.withMessageContaining(url);
		}
		assertThatIllegalStateException().isThrownBy(() -> PushConfiguration.webhookUrl(" "))
			.withMessageContaining("NOTIFICATION_PUSH_PROVIDER=log");
	}

	/**
	 * A batch that still fails after its retries is skipped, and each of its events is
	 * counted (Spring's default only logged it). Driven through Spring Kafka's own
	 * handler with a stand-in consumer; the listener fails every time.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void aBatchThatFailsAfterItsRetriesIsSkippedAndEachEventCounted() {
		Counter skipped = new SimpleMeterRegistry().counter("skipped");
		ChatEventCodec codec = new ChatEventCodec();
		DefaultErrorHandler handler = PushConfiguration.listenerErrorHandler(new FixedBackOff(0, 2), skipped, codec);
		TopicPartition partition = new TopicPartition("chat.events", 0);
		UUID conversation = UUID.randomUUID();
		String message = codec.encode(new ChatEvent.MessagePersisted(conversation, 1, UUID.randomUUID(), "alice", "c-1",
				"hi", Instant.now(), List.of("alice", "bob"), false, null));
		String otherMessage = codec.encode(new ChatEvent.MessagePersisted(conversation, 2, UUID.randomUUID(), "alice",
				"c-2", "hi again", Instant.now(), List.of("alice", "bob"), false, null));
		ConsumerRecords<String, String> batch = new ConsumerRecords<>(Map.of(partition,
				List.of(new ConsumerRecord<>("chat.events", 0, 7, "k", message),
						new ConsumerRecord<>("chat.events", 0, 8, "k", "not an event"),
						new ConsumerRecord<>("chat.events", 0, 9, "k", otherMessage))),
				Map.of());
		Consumer<String, String> consumer = mock(Consumer.class);
		given(consumer.assignment()).willReturn(Set.of(partition));
		given(consumer.poll(any(Duration.class))).willReturn(ConsumerRecords.empty());
		MessageListenerContainer container = mock(MessageListenerContainer.class);
		given(container.isRunning()).willReturn(true);
		given(container.getContainerProperties()).willReturn(new ContainerProperties("chat.events"));
		AtomicInteger attempts = new AtomicInteger();

		handler.handleBatch(new IllegalStateException("Cassandra unavailable"), batch, consumer, container, () -> {
			attempts.incrementAndGet();
			throw new IllegalStateException("Cassandra unavailable");
		});

		assertThat(attempts).as("retried twice after the first attempt").hasValue(2);
		assertThat(skipped.count()).as("the two stored messages, not the unreadable record").isEqualTo(2);
	}

}
