package dev.blueprint.platform.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How Blueprint services verify bearer tokens when no external issuer is configured.
 *
 * @param hmacSecret shared HS256 secret (env {@code BLUEPRINT_JWT_HMAC_SECRET}); its
 * UTF-8 encoding must be at least 32 bytes. Ignored when
 * {@code spring.security.oauth2.resourceserver.jwt.issuer-uri}, {@code jwk-set-uri} or
 * {@code public-key-location} is set.
 * @param issuer the {@code iss} a token must carry: {@code blueprint-local}, the issuer
 * of locally minted tokens, unless set; set to empty, any issuer is accepted
 */
@ConfigurationProperties("blueprint.security.jwt")
public record JwtProperties(String hmacSecret, @DefaultValue(JwtProperties.LOCAL_ISSUER) String issuer) {

	/** The {@code iss} of tokens minted by {@code ./suite token} and the dev pages. */
	public static final String LOCAL_ISSUER = "blueprint-local";

}
