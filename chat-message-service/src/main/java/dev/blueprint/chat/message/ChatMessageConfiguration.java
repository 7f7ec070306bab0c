package dev.blueprint.chat.message;

import java.time.Clock;
import java.util.Collection;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.message.conversations.ConversationService;
import dev.blueprint.chat.message.sequencing.KafkaMembershipEvents;
import dev.blueprint.chat.message.sequencing.Sequencer;
import dev.blueprint.chat.message.storage.ChatSchema;
import dev.blueprint.chat.message.storage.ChatStore;
import dev.blueprint.platform.tracing.MessageTracing;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.AfterRollbackProcessor;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.DefaultAfterRollbackProcessor;
import org.springframework.util.backoff.FixedBackOff;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ChatMessageProperties.class)
class ChatMessageConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ChatMessageConfiguration.class);

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	ChatEventCodec chatEventCodec() {
		return new ChatEventCodec();
	}

	@Bean
	ChatStore chatStore(CqlSession session, ChatMessageProperties properties) {
		ChatSchema.migrate(session);
		return new ChatStore(session, properties.storage().bucketSize(), properties.storage().dedupWindow());
	}

	@Bean
	Sequencer sequencer(ChatStore store, KafkaTemplate<String, String> kafka, ChatEventCodec codec,
			ChatMessageProperties properties, MeterRegistry meters, Clock clock, MessageTracing tracing) {
		return new Sequencer(store, kafka, codec, properties.sequencer().membershipCacheTtl(), meters, clock, tracing);
	}

	/**
	 * A partition that moves drops every cached sequence; they are reloaded from
	 * Cassandra.
	 */
	@Bean
	ConsumerAwareRebalanceListener sequencerRebalanceListener(Sequencer sequencer) {
		return new ConsumerAwareRebalanceListener() {

			@Override
			public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
				sequencer.forgetAll();
			}

			@Override
			public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
				sequencer.forgetAll();
			}

			@Override
			public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
				sequencer.forgetAll();
				logger.info("Sequencing partitions {}", partitions);
			}

		};
	}

	/**
	 * A failed batch (Cassandra or Kafka unavailable) is rolled back and retried after a
	 * back-off, forever: nothing is skipped and no offset moves past unstored work.
	 * Records that cannot be read never reach this: the sequencer dead-letters them.
	 */
	@Bean
	AfterRollbackProcessor<Object, Object> retryForever(ChatMessageProperties properties) {
		return new DefaultAfterRollbackProcessor<>(
				new FixedBackOff(properties.sequencer().retryBackoff().toMillis(), FixedBackOff.UNLIMITED_ATTEMPTS));
	}

	@Bean
	ConversationService conversationService(ChatStore store, KafkaTemplate<String, String> kafka, ChatEventCodec codec,
			ChatMessageProperties properties, Clock clock, MessageTracing tracing) {
		return new ConversationService(store, new KafkaMembershipEvents(kafka, codec, tracing), properties.limits(),
				properties.sequencer().membershipApplyTimeout(), clock);
	}

}
