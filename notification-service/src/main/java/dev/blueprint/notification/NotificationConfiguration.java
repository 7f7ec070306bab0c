package dev.blueprint.notification;

import java.time.Clock;
import java.time.Duration;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.delivery.DeliveryListener;
import dev.blueprint.notification.delivery.DeliveryPublisher;
import dev.blueprint.notification.delivery.RestingNodes;
import dev.blueprint.notification.delivery.SessionLookup;
import dev.blueprint.notification.delivery.ListeningGateways;
import dev.blueprint.platform.tracing.MessageTracing;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(NotificationProperties.class)
class NotificationConfiguration {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	ChatEventCodec chatEventCodec() {
		return new ChatEventCodec();
	}

	@Bean
	SessionRegistry sessionRegistry(StringRedisTemplate redis, NotificationProperties properties, Clock clock) {
		return new SessionRegistry(redis, properties.sessionLease(), clock);
	}

	/** The dead-letter topic of the events this service consumes. */
	@Bean
	KafkaAdmin.NewTopics notificationTopics(NotificationProperties properties) {
		return new KafkaAdmin.NewTopics(TopicBuilder.name(ChatTopics.deadLetter(ChatTopics.EVENTS))
			.partitions(1)
			.replicas(properties.topicReplication())
			.build());
	}

	@Bean
	DeliveryListener deliveryListener(StringRedisTemplate redis, KafkaTemplate<String, String> kafka,
			ChatEventCodec codec, MeterRegistry meters, Clock clock, MessageTracing tracing,
			NotificationProperties properties, ListeningGateways gateways,
			@Value("${spring.data.redis.timeout:2s}") Duration redisTimeout) {
		RestingNodes resting = new RestingNodes(properties.deliveryNodeRest());
		SessionLookup lookup = new SessionLookup(redis, properties.deliveryLookupTimeoutWithin(redisTimeout),
				redisTimeout, resting, clock, meters);
		DeliveryPublisher publisher = new DeliveryPublisher(redis, redisTimeout, resting);
		return new DeliveryListener(lookup, publisher, kafka, codec, meters, clock, tracing,
				properties.deliveriesPerPublish(), properties.deliveryMaxAge(), gateways);
	}

	/**
	 * Which gateways listen on their channels, for the deliveries that reached nobody and
	 * the push listener; an answer trusted for a second where a publish's own cannot say
	 * (a Redis Cluster). On a cluster a count waits at most 500 ms (the delivery listener
	 * asks on its own thread), and a node that does not answer leaves its gateways taken
	 * as listening.
	 */
	@Bean
	ListeningGateways listeningGateways(StringRedisTemplate redis,
			@Value("${spring.data.redis.timeout:2s}") Duration redisTimeout, MeterRegistry meters) {
		return new ListeningGateways(redis, redisTimeout, Duration.ofSeconds(1), meters);
	}

	/**
	 * Offsets are committed asynchronously, once per
	 * {@code notification.delivery-commit-interval}, for the batches published by then: a
	 * synchronous commit held the consumer 38-44 ms per batch before its next poll
	 * (measured 2026-11-28), on the path of every message behind it, and a commit per
	 * batch was one Kafka request per batch (66 a second at 500 msg/s). A crash
	 * re-publishes what was published since the last commit; clients drop a seq they
	 * already have.
	 */
	@Bean
	ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> asyncOffsetCommits(
			NotificationProperties properties) {
		return (container) -> {
			ContainerProperties commits = container.getContainerProperties();
			commits.setSyncCommits(false);
			commits.setAckMode(ContainerProperties.AckMode.TIME);
			commits.setAckTime(properties.deliveryCommitInterval().toMillis());
		};
	}

	/**
	 * A batch that fails (Redis unreachable) is retried once a second; after the
	 * configured attempts it is skipped: its recipients fill the gap from history.
	 */
	@Bean
	CommonErrorHandler deliveryErrorHandler(NotificationProperties properties) {
		return new DefaultErrorHandler(new FixedBackOff(1000, properties.deliveryRetries()));
	}

}
