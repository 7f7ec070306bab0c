package dev.blueprint.testsupport;

import java.util.List;
import java.util.Map;

import dev.blueprint.local.LocalStack;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.AnnotatedBeanDefinitionReader;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Applies {@link RealInfrastructure}: adds the test servers' connection properties (local
 * mode) or registers the Testcontainers configuration (docker mode). Registered in
 * META-INF/spring.factories.
 */
class RealInfrastructureContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		boolean annotated = MergedAnnotations.from(testClass, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY)
			.isPresent(RealInfrastructure.class);
		return annotated ? new RealInfrastructureCustomizer(TestInfrastructure.mode()) : null;
	}

	private record RealInfrastructureCustomizer(String mode) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
			if (this.mode.equals("docker")) {
				BeanDefinitionRegistry registry = (BeanDefinitionRegistry) context.getBeanFactory();
				new AnnotatedBeanDefinitionReader(registry).register(DockerInfrastructureConfiguration.class);
				context.getEnvironment()
					.getPropertySources()
					.addFirst(new MapPropertySource("blueprintTestJwt",
							Map.of("blueprint.security.jwt.hmac-secret", TestTokens.SECRET)));
				return;
			}
			if (!this.mode.equals("local")) {
				throw new IllegalStateException("-Dinfra must be 'local' or 'docker', was '" + this.mode + "'");
			}
			LocalStack.Endpoints endpoints = TestInfrastructure.local();
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("blueprintRealInfrastructure", properties(endpoints)));
		}

		private static Map<String, Object> properties(LocalStack.Endpoints endpoints) {
			return Map.of("spring.data.redis.host", "127.0.0.1", "spring.data.redis.port", endpoints.redisPort(),
					"spring.kafka.bootstrap-servers", endpoints.kafkaBootstrapServers(),
					"spring.cassandra.contact-points", endpoints.cassandraContactPoint(),
					"spring.cassandra.local-datacenter", "datacenter1", "blueprint.security.jwt.hmac-secret",
					TestTokens.SECRET);
		}

	}

}
