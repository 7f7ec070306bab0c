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
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.cassandra.autoconfigure.CassandraProperties;
import org.springframework.boot.cassandra.autoconfigure.CassandraProperties.ThrottlerType;
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

	/**
	 * Requests the driver keeps in flight on one connection without a throttler
	 * ({@code advanced.connection.max-requests-per-connection}).
	 */
	static final int DRIVER_REQUESTS_PER_CONNECTION = 1024;

	/**
	 * The concurrency-limiting throttler's requests in flight when
	 * {@code max-concurrent-requests} is not set (the driver's
	 * {@code advanced.throttler.max-concurrent-requests}).
	 */
	static final int DRIVER_THROTTLER_DEFAULT = 10000;

	/** The name of the REST API's Cassandra bulkhead, as its metrics are tagged. */
	static final String API_REQUESTS = "chat-store-api";

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
		ChatSchema.checkBucketSize(session, properties.storage().bucketSize());
		return new ChatStore(session, properties.storage().bucketSize(), properties.storage().dedupWindow());
	}

	/**
	 * The REST API's share of Cassandra requests in flight: every API call's reads and
	 * writes take a permit, and the sequencer's do not, so the sequencer always has the
	 * rest of the driver's throttler. Its gauges are
	 * {@code resilience4j_bulkhead_available_concurrent_calls} and
	 * {@code ..._max_allowed_concurrent_calls} ({@code name="chat-store-api"}); calls it
	 * refused count in {@code blueprint_chat_store_api_refused_total}.
	 */
	@Bean
	Bulkhead apiStoreRequests(ChatMessageProperties properties, CassandraProperties cassandra, MeterRegistry meters) {
		ChatMessageProperties.Storage storage = properties.storage();
		checkApiShare(storage.apiRequestsInFlight(), cassandra.getRequest().getThrottler());
		BulkheadRegistry registry = BulkheadRegistry.of(BulkheadConfig.custom()
			.maxConcurrentCalls(storage.apiRequestsInFlight())
			.maxWaitDuration(storage.apiRequestsWait())
			.build());
		TaggedBulkheadMetrics.ofBulkheadRegistry(registry).bindTo(meters);
		Bulkhead bulkhead = registry.bulkhead(API_REQUESTS);
		Counter refused = Counter.builder("blueprint.chat.store.api.refused")
			.description("REST API calls refused because their Cassandra requests found no free slot in time")
			.register(meters);
		bulkhead.getEventPublisher().onCallRejected((event) -> refused.increment());
		return bulkhead;
	}

	/**
	 * Fails start-up unless the API's share leaves the sequencer room below the driver's
	 * limit of requests in flight: the concurrency-limiting throttler's
	 * {@code max-concurrent-requests} (unset: the driver's 10,000), or without that
	 * throttler the driver's 1,024 per connection.
	 */
	static void checkApiShare(int apiRequestsInFlight, CassandraProperties.Throttler throttler) {
		boolean throttled = throttler.getType() == ThrottlerType.CONCURRENCY_LIMITING;
		int driverLimit = !throttled ? DRIVER_REQUESTS_PER_CONNECTION : (throttler.getMaxConcurrentRequests() != null)
				? throttler.getMaxConcurrentRequests() : DRIVER_THROTTLER_DEFAULT;
		if (apiRequestsInFlight >= driverLimit) {
			throw new IllegalStateException(
					"chat.storage.api-requests-in-flight (" + apiRequestsInFlight + ") must be below "
							+ (throttled ? "spring.cassandra.request.throttler.max-concurrent-requests"
									: "the driver's requests per connection")
							+ " (" + driverLimit + "): the API's reads would leave the sequencer no room");
		}
	}

	@Bean
	Sequencer sequencer(ChatStore store, KafkaTemplate<String, String> kafka, ChatEventCodec codec,
			ChatMessageProperties properties, MeterRegistry meters, Clock clock, MessageTracing tracing) {
		return new Sequencer(store, kafka, codec, properties.sequencer().membershipCacheTtl(), properties.limits(),
				meters, clock, tracing);
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
	ConversationService conversationService(ChatStore store, Bulkhead apiStoreRequests,
			KafkaTemplate<String, String> kafka, ChatEventCodec codec, ChatMessageProperties properties, Clock clock,
			MessageTracing tracing) {
		return new ConversationService(store.withRequests(apiStoreRequests),
				new KafkaMembershipEvents(kafka, codec, tracing), properties.limits(),
				properties.sequencer().membershipApplyTimeout(), clock);
	}

}
