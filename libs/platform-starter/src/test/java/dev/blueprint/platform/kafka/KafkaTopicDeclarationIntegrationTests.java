package dev.blueprint.platform.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.blueprint.testsupport.TestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service started while the real Kafka is stopped: it starts within the shortened admin
 * waits, and once Kafka is back its topic is declared with the partitions the service
 * asked for. Spring's own attempt failed (the context started without the topic), and the
 * test broker creates no topic on first use.
 */
class KafkaTopicDeclarationIntegrationTests {

	private static final int PARTITIONS = 5;

	@Test
	void aServiceStartedWhileKafkaIsDownDeclaresItsTopicsOnceKafkaIsBack() throws Exception {
		String bootstrap = TestInfrastructure.local().kafkaBootstrapServers();
		String topic = "declaration-test-" + UUID.randomUUID();
		ConfigurableApplicationContext service = null;
		try {
			TestInfrastructure.stopServer("kafka");
			try {
				long start = System.nanoTime();
				service = new SpringApplicationBuilder(Service.class).web(WebApplicationType.NONE)
					.properties("spring.kafka.bootstrap-servers=" + bootstrap, "declared.topic=" + topic,
							"blueprint.kafka.topics.retry-interval=2s", "blueprint.kafka.topics.max-retry-interval=4s")
					.run();
				Duration startUp = Duration.ofNanos(System.nanoTime() - start);
				// Spring's own attempt now waits 10 s + 2 s (30 s + 10 s before); the
				// rest is a small context on a busy machine
				assertThat(startUp).isLessThan(Duration.ofSeconds(30));
				assertThat(service.getBean(KafkaTopicDeclaration.class).declared()).isFalse();
			}
			finally {
				TestInfrastructure.startServer("kafka");
			}
			KafkaTopicDeclaration declaration = service.getBean(KafkaTopicDeclaration.class);
			long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
			while (!declaration.declared() && System.nanoTime() < deadline) {
				Thread.sleep(200);
			}
			assertThat(declaration.declared()).isTrue();
			try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
				TopicDescription description = admin.describeTopics(List.of(topic))
					.allTopicNames()
					.get(30, TimeUnit.SECONDS)
					.get(topic);
				assertThat(description.partitions()).hasSize(PARTITIONS);
				admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			if (service != null) {
				service.close();
			}
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ KafkaAutoConfiguration.class, KafkaTopicDeclarationAutoConfiguration.class })
	static class Service {

		@Bean
		NewTopic declaredTopic(org.springframework.core.env.Environment environment) {
			return TopicBuilder.name(environment.getRequiredProperty("declared.topic")).partitions(PARTITIONS).build();
		}

	}

}
