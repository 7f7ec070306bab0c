package dev.blueprint.testsupport;

import com.redis.testcontainers.RedisContainer;
import org.testcontainers.cassandra.CassandraContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code -Dinfra=docker} path: the same three servers as Testcontainers containers,
 * connected through {@code @ServiceConnection}. Each container is only declared when the
 * module under test uses that client. Needs a Docker engine, which the machines this
 * project is built on lack: this path compiles in every build but is not exercised by it
 * (see the README).
 */
@TestConfiguration(proxyBeanMethods = false)
class DockerInfrastructureConfiguration {

	static final String REDIS_IMAGE = "redis:7.4";

	static final String KAFKA_IMAGE = "apache/kafka:4.2.1";

	static final String CASSANDRA_IMAGE = "cassandra:5.0.6";

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.data.redis.connection.RedisConnectionFactory")
	static class Redis {

		@Bean
		@ServiceConnection
		RedisContainer redisContainer() {
			return new RedisContainer(DockerImageName.parse(REDIS_IMAGE));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.kafka.core.KafkaTemplate")
	static class Kafka {

		@Bean
		@ServiceConnection
		KafkaContainer kafkaContainer() {
			return new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.datastax.oss.driver.api.core.CqlSession")
	static class Cassandra {

		@Bean
		@ServiceConnection
		CassandraContainer cassandraContainer() {
			return new CassandraContainer(DockerImageName.parse(CASSANDRA_IMAGE));
		}

	}

}
