package dev.blueprint.platform.kafka;

/**
 * Topics a service declares its own way rather than as {@code NewTopic} beans: ones
 * Spring's {@code KafkaAdmin} must not touch, since it grows a topic whose partition
 * count is below the declared one. {@link KafkaTopicDeclaration} calls every declarer
 * before {@code KafkaAdmin}, and again after each failure, until all of them return
 * {@code true}.
 */
@FunctionalInterface
public interface TopicDeclarer {

	/**
	 * Declares the topics.
	 * @return {@code true} once Kafka has them as declared; {@code false} (or an
	 * exception) if not yet
	 */
	boolean declare();

}
