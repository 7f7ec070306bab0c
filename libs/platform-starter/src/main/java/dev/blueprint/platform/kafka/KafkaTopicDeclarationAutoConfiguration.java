package dev.blueprint.platform.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.kafka.clients.admin.NewTopic;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Keeps declaring a service's topics ({@code NewTopic} and {@code KafkaAdmin.NewTopics}
 * beans, and those of its {@link TopicDeclarer} beans) until Kafka has them, when the
 * service started while Kafka was down ({@link KafkaTopicDeclaration}). Off where topic
 * creation is (see {@code spring.kafka.admin.auto-create=false}) and for a service that
 * declares none.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnClass(KafkaAdmin.class)
@ConditionalOnSingleCandidate(KafkaAdmin.class)
@ConditionalOnProperty(name = "spring.kafka.admin.auto-create", matchIfMissing = true)
@Conditional(KafkaTopicDeclarationAutoConfiguration.DeclaresTopics.class)
@EnableConfigurationProperties(KafkaTopicDeclarationProperties.class)
public final class KafkaTopicDeclarationAutoConfiguration {

	/**
	 * Each {@link TopicDeclarer} first, in order, then {@code KafkaAdmin} if the service
	 * declares topics to it (with none, its {@code initialize()} answers {@code false}):
	 * an attempt stops at the first that fails, and the next attempt starts over.
	 */
	@Bean
	@ConditionalOnMissingBean
	KafkaTopicDeclaration kafkaTopicDeclaration(KafkaAdmin admin, ObjectProvider<TopicDeclarer> declarers,
			ObjectProvider<NewTopic> topics, ObjectProvider<KafkaAdmin.NewTopics> topicLists,
			KafkaTopicDeclarationProperties properties) {
		boolean adminDeclares = topics.stream().findAny().isPresent() || topicLists.stream().findAny().isPresent();
		return new KafkaTopicDeclaration(
				() -> declarers.orderedStream().allMatch(TopicDeclarer::declare)
						&& (!adminDeclares || admin.initialize()),
				properties.retryInterval(), properties.maxRetryInterval());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static final class Metrics {

		@Bean
		MeterBinder kafkaTopicDeclarationMetrics(KafkaTopicDeclaration declaration) {
			return (registry) -> Gauge
				.builder("blueprint.kafka.topics.declared", declaration, (self) -> self.declared() ? 1 : 0)
				.description("1 once Kafka has confirmed every topic this service declares, 0 until then")
				.register(registry);
		}

	}

	static final class DeclaresTopics extends AnyNestedCondition {

		DeclaresTopics() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBean(NewTopic.class)
		static final class Single {

		}

		@ConditionalOnBean(KafkaAdmin.NewTopics.class)
		static final class Several {

		}

		@ConditionalOnBean(TopicDeclarer.class)
		static final class Declarer {

		}

	}

}
