package dev.blueprint.notification;

import java.time.Clock;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.ChatTopics;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.delivery.DeliveryListener;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
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
	KafkaAdmin.NewTopics notificationTopics() {
		return new KafkaAdmin.NewTopics(
				TopicBuilder.name(ChatTopics.deadLetter(ChatTopics.EVENTS)).partitions(1).build());
	}

	@Bean
	DeliveryListener deliveryListener(SessionRegistry sessions, StringRedisTemplate redis,
			KafkaTemplate<String, String> kafka, ChatEventCodec codec, MeterRegistry meters) {
		return new DeliveryListener(sessions, redis, kafka, codec, meters);
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
