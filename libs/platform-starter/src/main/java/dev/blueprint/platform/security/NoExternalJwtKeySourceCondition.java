package dev.blueprint.platform.security;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when none of the properties with which Spring Boot builds its own
 * {@code JwtDecoder} has a value, so the shared-secret decoder is the one to use.
 */
class NoExternalJwtKeySourceCondition extends SpringBootCondition {

	static final List<String> PROPERTIES = List.of("spring.security.oauth2.resourceserver.jwt.issuer-uri",
			"spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
			"spring.security.oauth2.resourceserver.jwt.public-key-location");

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		ConditionMessage.Builder message = ConditionMessage.forCondition("External JWT key source");
		for (String property : PROPERTIES) {
			if (StringUtils.hasText(context.getEnvironment().getProperty(property))) {
				return ConditionOutcome.noMatch(message.found("property").items(property));
			}
		}
		return ConditionOutcome.match(message.didNotFind("property").items(PROPERTIES));
	}

}
