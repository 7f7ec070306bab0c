package dev.blueprint.ratelimit.client;

import java.time.Clock;
import java.time.Duration;

import dev.blueprint.ratelimit.core.InMemoryRateLimitStore;
import dev.blueprint.ratelimit.core.rules.RuleBook;
import dev.blueprint.ratelimit.redis.LazyRedisRateLimitStore;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Wires the starter into a servlet web application: the decider for the configured mode,
 * the {@link RateLimited} interceptor, the path-pattern filter and the start-up check of
 * the rules they name.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(RateLimitClientProperties.class)
public class RateLimitClientAutoConfiguration {

	/**
	 * Spring Security's filter chain order unless {@code spring.security.filter.order}
	 * says otherwise: Boot's {@code SecurityFilterProperties.DEFAULT_FILTER_ORDER},
	 * copied because spring-boot-security is no dependency of this starter.
	 */
	static final int SECURITY_FILTER_ORDER = -100;

	@Bean
	@ConditionalOnMissingBean
	RateLimitDecider rateLimitDecider(RateLimitClientProperties properties, Environment environment) {
		if ("remote".equalsIgnoreCase(properties.mode())) {
			return new RemoteDecider(properties.serviceUrl(), properties.serviceToken(), properties.timeout(),
					!"closed".equalsIgnoreCase(properties.remoteFailure()), properties.remoteOpenFor());
		}
		if (!"embedded".equalsIgnoreCase(properties.mode())) {
			throw new IllegalStateException(
					"blueprint.ratelimit.client.mode must be 'embedded' or 'remote', was '" + properties.mode() + "'");
		}
		RuleBook rules = RuleBook.of(properties.rules());
		LazyRedisRateLimitStore redis = LazyRedisRateLimitStore
			.of(EmbeddedRedisClientFactory.from(environment, properties.timeout()));
		return new EmbeddedRedisDecider(rules, redis, properties.instances(), properties.redisOpenFor());
	}

	/**
	 * How the client's address and the other subjects are found; a bean so that the
	 * application finds the client's address the same way (an anonymous caller's
	 * idempotency scope, for one).
	 */
	@Bean
	@ConditionalOnMissingBean
	SubjectResolver rateLimitSubjectResolver(RateLimitClientProperties properties) {
		return new SubjectResolver(TrustedProxies.of(properties.trustedProxies()));
	}

	@Bean
	RateLimitEnforcer rateLimitEnforcer(RateLimitDecider decider, SubjectResolver subjects) {
		return new RateLimitEnforcer(decider, subjects);
	}

	@Bean
	WebMvcConfigurer rateLimitedInterceptorConfigurer(RateLimitEnforcer enforcer) {
		return new WebMvcConfigurer() {
			@Override
			public void addInterceptors(InterceptorRegistry registry) {
				registry.addInterceptor(new RateLimitedInterceptor(enforcer));
			}
		};
	}

	@Bean
	FilterRegistrationBean<RateLimitFilter> rateLimitFilter(RateLimitEnforcer enforcer,
			RateLimitClientProperties properties, Environment environment) {
		FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(
				new RateLimitFilter(properties.filter(), enforcer));
		// Right after Spring Security's chain, so the authenticated user is known:
		// before it, subject USER was user:anonymous for everyone (one shared bucket).
		int security = environment.getProperty("spring.security.filter.order", Integer.class, SECURITY_FILTER_ORDER);
		registration.setOrder(security + 1);
		registration.setEnabled(!properties.filter().isEmpty());
		return registration;
	}

	@Bean
	RateLimitRuleCheck rateLimitRuleCheck(RateLimitDecider decider, RateLimitClientProperties properties,
			ObjectProvider<RequestMappingHandlerMapping> mappings) {
		return new RateLimitRuleCheck(decider, properties.filter(),
				() -> mappings.orderedStream()
					.flatMap((mapping) -> mapping.getHandlerMethods().values().stream())
					.toList());
	}

	/**
	 * Embedded mode; closes its Redis client and stops its fallback's sweep with the
	 * context. The fallback's idle buckets are swept every minute, also once Redis is
	 * back and no decision reaches the fallback.
	 */
	static class EmbeddedRedisDecider extends EmbeddedDecider implements DisposableBean {

		private final LazyRedisRateLimitStore redis;

		private final InMemoryRateLimitStore fallback;

		EmbeddedRedisDecider(RuleBook rules, LazyRedisRateLimitStore redis, int instances, Duration openFor) {
			this(rules, redis, new InMemoryRateLimitStore(Clock.systemUTC()).sweepEvery(Duration.ofMinutes(1)),
					instances, openFor);
		}

		private EmbeddedRedisDecider(RuleBook rules, LazyRedisRateLimitStore redis, InMemoryRateLimitStore fallback,
				int instances, Duration openFor) {
			super(rules, redis, fallback, instances, openFor);
			this.redis = redis;
			this.fallback = fallback;
		}

		@Override
		public void destroy() throws Exception {
			this.fallback.close();
			this.redis.close();
		}

	}

	/**
	 * The circuit breaker of either mode as Resilience4j's standard meters
	 * ({@code resilience4j.circuitbreaker.state}, {@code .calls},
	 * {@code .not.permitted.calls}, tag {@code name=rate-limiter-service} in remote mode,
	 * {@code name=ratelimit-redis} in embedded mode), when Micrometer and
	 * resilience4j-micrometer are present.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "io.micrometer.core.instrument.binder.MeterBinder",
			"io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics" })
	static class BreakerMetricsConfiguration {

		@Bean
		MeterBinder rateLimitBreakerMetrics(RateLimitDecider decider) {
			return (registry) -> {
				if (decider instanceof RemoteDecider remote) {
					TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(remote.circuitBreakers()).bindTo(registry);
				}
				else if (decider instanceof EmbeddedDecider embedded) {
					TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(embedded.circuitBreakers()).bindTo(registry);
				}
			};
		}

	}

}
