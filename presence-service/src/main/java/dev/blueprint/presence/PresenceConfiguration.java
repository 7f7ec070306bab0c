package dev.blueprint.presence;

import java.time.Clock;

import dev.blueprint.chat.contracts.ChatEventCodec;
import dev.blueprint.chat.contracts.SessionRegistry;
import dev.blueprint.presence.contacts.ContactDirectory;
import dev.blueprint.presence.core.PresenceRules;
import dev.blueprint.presence.tracking.PresenceStore;
import dev.blueprint.presence.tracking.PresenceTracker;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.scheduling.annotation.EnableScheduling;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PresenceProperties.class)
@EnableScheduling
class PresenceConfiguration {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	SessionRegistry sessionRegistry(StringRedisTemplate redis, PresenceProperties properties, Clock clock) {
		return new SessionRegistry(redis, properties.sessionLease(), clock);
	}

	@Bean
	PresenceStore presenceStore(StringRedisTemplate redis, PresenceProperties properties) {
		return new PresenceStore(redis, new ChatEventCodec(), properties.retention());
	}

	@Bean
	PresenceTracker presenceTracker(PresenceStore store, SessionRegistry registry, PresenceProperties properties,
			Clock clock, MeterRegistry meters) {
		return new PresenceTracker(store, registry,
				new PresenceRules(properties.sessionLease(), properties.offlineGrace()), clock, properties.sweepBatch(),
				properties.claimTimeout(), properties.recoveryGrace(), meters);
	}

	@Bean
	ContactDirectory contactDirectory(PresenceProperties properties, Clock clock, MeterRegistry meters) {
		PresenceProperties.Contacts contacts = properties.contacts();
		return new ContactDirectory(contacts.url(), contacts.timeout(), contacts.cacheTtl(),
				new ContactDirectory.Limits(contacts.maxCachedUsers(), contacts.maxContacts(),
						contacts.maxCachedContacts()),
				clock, meters);
	}

}
