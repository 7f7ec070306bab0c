package dev.blueprint.platform.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How Blueprint services verify bearer tokens when no external issuer is configured.
 *
 * @param hmacSecret shared HS256 secret (env {@code BLUEPRINT_JWT_HMAC_SECRET}); its
 * UTF-8 encoding must be at least 32 bytes. Ignored when
 * {@code spring.security.oauth2.resourceserver.jwt.issuer-uri}, {@code jwk-set-uri} or
 * {@code public-key-location} is set.
 * @param issuer when set, the {@code iss} claim must equal it (tokens minted locally use
 * {@code blueprint-local}); when empty, any issuer is accepted
 */
@ConfigurationProperties("blueprint.security.jwt")
public record JwtProperties(String hmacSecret, String issuer) {

}
