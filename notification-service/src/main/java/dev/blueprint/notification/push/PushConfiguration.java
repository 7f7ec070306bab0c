package dev.blueprint.notification.push;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.Locale;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.blueprint.chat.contracts.ChatEvent;
import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.PushDeadLettered;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.notification.NotificationProperties;
import dev.blueprint.notification.delivery.ListeningGateways;
import dev.blueprint.notification.notifications.NotificationService;
import dev.blueprint.notification.notifications.NotificationStore;
import dev.blueprint.notification.push.core.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Notifications and push: the store, the push provider chosen by
 * {@code notification.push.provider}, the dispatcher, and the push listener on its own
 * container factory (own consumer group, own error handling), apart from live routing.
 */
@Configuration(proxyBeanMethods = false)
class PushConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(PushConfiguration.class);

	static final String WEBHOOK_BREAKER = "push-webhook";

	@Bean
	NotificationStore notificationStore(CqlSession session, NotificationProperties properties) {
		return new NotificationStore(session, properties.notifications().ttl());
	}

	@Bean
	NotificationService notificationService(NotificationStore store, NotificationProperties properties, Clock clock) {
		return new NotificationService(store, properties.notifications(), clock);
	}

	@Bean
	CircuitBreakerRegistry pushCircuitBreakers(NotificationProperties properties, MeterRegistry meters) {
		NotificationProperties.CircuitBreaker settings = properties.push().circuitBreaker();
		CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(settings.slidingWindowSize())
			.minimumNumberOfCalls(settings.minimumCalls())
			.failureRateThreshold(settings.failureRateThreshold())
			.waitDurationInOpenState(settings.openFor())
			.permittedNumberOfCallsInHalfOpenState(3)
			.automaticTransitionFromOpenToHalfOpenEnabled(true)
			.build());
		TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
		return registry;
	}

	@Bean
	PushProvider pushProvider(NotificationProperties properties, CircuitBreakerRegistry pushCircuitBreakers) {
		NotificationProperties.Push push = properties.push();
		String provider = push.provider().trim().toLowerCase(Locale.ROOT);
		if (provider.equals("log")) {
			return new LogPushProvider();
		}
		if (!provider.equals("webhook")) {
			throw new IllegalStateException(
					"notification.push.provider (NOTIFICATION_PUSH_PROVIDER) must be webhook or log, not '"
							+ push.provider() + "'");
		}
		CircuitBreaker breaker = pushCircuitBreakers.circuitBreaker(WEBHOOK_BREAKER);
		return new WebhookPushProvider(webhookUrl(push.webhook().url()), push.webhook().connectTimeout(),
				push.webhook().timeout(), breaker);
	}

	/**
	 * The webhook's URL, checked at start-up: an absolute http or https URL with a host.
	 * Java's URI takes {@code push-gateway:8080/v1/push} (no scheme) as an opaque URI,
	 * and every push would then have been refused by the HTTP client and dead-lettered.
	 */
	static URI webhookUrl(String url) {
		if (url == null || url.isBlank()) {
			throw new IllegalStateException("The webhook push provider needs notification.push.webhook.url "
					+ "(NOTIFICATION_PUSH_WEBHOOK_URL); or set NOTIFICATION_PUSH_PROVIDER=log");
		}
		URI uri;
		try {
			uri = new URI(url.trim());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException("notification.push.webhook.url (NOTIFICATION_PUSH_WEBHOOK_URL) '" + url
					+ "' is not a URL: " + ex.getMessage());
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
			throw new IllegalStateException("notification.push.webhook.url (NOTIFICATION_PUSH_WEBHOOK_URL) must be an "
					+ "http or https URL with a host, such as http://push-gateway:8080/v1/push, not '" + url + "'");
		}
		return uri;
	}

	@Bean
	PushDispatcher pushDispatcher(PushProvider provider, NotificationProperties properties,
			KafkaTemplate<String, String> kafka, MeterRegistry meters, Clock clock) {
		NotificationProperties.Push push = properties.push();
		NotificationProperties.Retry retry = push.retry();
		RetryPolicy policy = new RetryPolicy(retry.maxAttempts(), retry.initialBackoff(), retry.multiplier(),
				retry.maxBackoff(), retry.jitter(), retry.maxTotal());
		return new PushDispatcher(provider, policy, push.concurrency(), push.queueCapacity(), kafka, meters, clock);
	}

	/** The dead-letter topic of pushes given up. */
	@Bean
	KafkaAdmin.NewTopics pushTopics(NotificationProperties properties) {
		return new KafkaAdmin.NewTopics(TopicBuilder.name(PushDeadLettered.TOPIC)
			.partitions(1)
			.replicas(properties.topicReplication())
			.build());
	}

	@Bean
	PushListener pushListener(SessionRegistry sessions, ListeningGateways gateways, NotificationStore store,
			NotificationService notifications, PushDispatcher dispatcher, ChatEventCodec codec, MeterRegistry meters) {
		return new PushListener(sessions, gateways, store, notifications, dispatcher, codec, meters);
	}

	/**
	 * The push listener's containers: batch, their own consumer group (set on the
	 * listener), a batch that fails (Redis or Cassandra unreachable) retried once a
	 * second {@code listener-retries} times (10 minutes) and then skipped, each skipped
	 * record counted ({@code blueprint.chat.push.records.skipped}) and logged: its
	 * offline recipients get no notification. Until 2026-12-07 the default was a minute,
	 * and a skip was logged by Spring only. A new group starts at the latest offset:
	 * deploying push never notifies anyone of old messages.
	 */
	@Bean
	ConcurrentKafkaListenerContainerFactory<Object, Object> pushListenerContainerFactory(
			ConsumerFactory<Object, Object> consumers, NotificationProperties properties, MeterRegistry meters) {
		ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
		factory.setConsumerFactory(consumers);
		factory.setBatchListener(true);
		factory.setConcurrency(properties.push().listenerConcurrency());
		Counter skipped = Counter.builder("blueprint.chat.push.records.skipped")
			.description("Stored messages the push listener gave up on after notification.push.listener-retries: "
					+ "their offline recipients were not notified")
			.register(meters);
		factory.setCommonErrorHandler(listenerErrorHandler(new FixedBackOff(1000, properties.push().listenerRetries()),
				skipped, new ChatEventCodec()));
		return factory;
	}

	/**
	 * Retries a failed batch as {@code backOff} says, then skips it, counting (and
	 * logging) each stored message in it; its other events (acks, receipts, refusals)
	 * notify no one.
	 */
	static DefaultErrorHandler listenerErrorHandler(FixedBackOff backOff, Counter skipped, ChatEventCodec codec) {
		return new DefaultErrorHandler((record, failure) -> {
			if (isMessage(codec, record.value())) {
				skipped.increment();
				logger.error(
						"Skipped message {}-{}@{} after {} retries: its offline recipients get no notification "
								+ "({})",
						record.topic(), record.partition(), record.offset(), backOff.getMaxAttempts(),
						failure.toString());
			}
		}, backOff);
	}

	private static boolean isMessage(ChatEventCodec codec, Object value) {
		try {
			return value instanceof String json && codec.decode(json) instanceof ChatEvent.MessagePersisted;
		}
		catch (ChatEventCodec.MalformedEventException ex) {
			return false;
		}
	}

	/**
	 * Component {@code push}: the provider, pushes pending, and the webhook's circuit
	 * breaker state. Always UP: pushes are best effort, and an unreachable push endpoint
	 * must not take the service (and live delivery) out of readiness.
	 */
	@Bean
	HealthIndicator pushHealthIndicator(PushDispatcher dispatcher, PushProvider provider) {
		return () -> {
			Health.Builder health = Health.up()
				.withDetail("provider", dispatcher.providerName())
				.withDetail("pending", dispatcher.pending());
			if (provider instanceof WebhookPushProvider webhook) {
				health.withDetail("circuitBreaker", webhook.circuitBreaker().getState().name());
			}
			return health.build();
		};
	}

}
