package dev.blueprint.ratelimit.rules;

import java.util.Set;

import dev.blueprint.ratelimit.RateLimiterProperties;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

@Configuration(proxyBeanMethods = false)
class RulesConfiguration {

	@Bean
	Rules rules(RateLimiterProperties properties) {
		return new Rules(properties.rules());
	}

	@Bean
	RuleStore ruleStore(StringRedisTemplate redis, JsonMapper json) {
		return new RuleStore(redis, json);
	}

	@Bean
	RuleSynchronizer ruleSynchronizer(RuleStore store, Rules rules, RateLimiterProperties properties) {
		return new RuleSynchronizer(store, rules, properties.rulesReconcileInterval().toMillis());
	}

	@Bean
	RedisMessageListenerContainer ruleChanges(RedisConnectionFactory connections, RuleSynchronizer synchronizer) {
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(connections);
		// re-subscribe quickly after a Redis outage; the reconcile loop covers messages
		// missed meanwhile
		container.setRecoveryInterval(1000);
		container.addMessageListener(synchronizer, new ChannelTopic(RuleStore.CHANNEL));
		return container;
	}

	@Bean
	RuleAdminController ruleAdminController(Rules rules, RuleStore store, RuleSynchronizer synchronizer,
			RateLimiterProperties properties) {
		return new RuleAdminController(rules, store, synchronizer, Set.copyOf(properties.admins()));
	}

}
