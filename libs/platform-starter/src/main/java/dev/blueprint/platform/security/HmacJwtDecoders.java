package dev.blueprint.platform.security;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.util.StringUtils;

/**
 * Builds the HS256 {@link JwtDecoder} used when tokens are signed with a shared secret.
 */
public final class HmacJwtDecoders {

	/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
	public static final int MIN_SECRET_BYTES = 32;

	private static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

	private HmacJwtDecoders() {
	}

	/**
	 * Returns a decoder that checks the HS256 signature, that there is an {@code exp} and
	 * it and {@code nbf} hold (60 s clock skew, {@link #expiryRequired()}), that there is
	 * a {@code sub} ({@link #subjectRequired()}) and, unless
	 * {@link JwtProperties#issuer()} is empty, {@code iss}.
	 * @param properties the configured secret and optional issuer
	 * @return the decoder
	 * @throws JwtKeyConfigurationException if the secret is missing or shorter than
	 * {@value #MIN_SECRET_BYTES} bytes
	 */
	public static JwtDecoder create(JwtProperties properties) {
		NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(secretKey(properties.hmacSecret()))
			.macAlgorithm(MacAlgorithm.HS256)
			.build();
		List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
		validators.add(expiryRequired());
		if (StringUtils.hasText(properties.issuer())) {
			validators.add(new JwtIssuerValidator(properties.issuer()));
		}
		validators.add(subjectRequired());
		decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(validators));
		return decoder;
	}

	/**
	 * Checks {@code exp} and {@code nbf} with 60 s of clock skew, and refuses a token
	 * without {@code exp}: Spring Security's default accepts one, which would be valid
	 * for ever (a token minted by hand or by a script that forgot the claim). Blueprint's
	 * own tokens always carry one.
	 */
	public static OAuth2TokenValidator<Jwt> expiryRequired() {
		JwtTimestampValidator validator = new JwtTimestampValidator(CLOCK_SKEW);
		validator.setAllowEmptyExpiryClaim(false);
		return validator;
	}

	/**
	 * Refuses a token without a subject ({@code sub} missing or blank): every service
	 * takes the caller's user id from it, and a token without one would reach them as a
	 * caller named {@code null} (a 500, or a Cassandra query for a null key answered as a
	 * 503 that clients retry), where it is a bad token (401). Blueprint's own tokens
	 * always carry one; an external issuer's client-credentials tokens may not.
	 */
	public static OAuth2TokenValidator<Jwt> subjectRequired() {
		return new JwtClaimValidator<String>(JwtClaimNames.SUB, StringUtils::hasText);
	}

	static SecretKey secretKey(String secret) {
		if (!StringUtils.hasText(secret)) {
			throw new JwtKeyConfigurationException("No key to verify bearer tokens: none of "
					+ "blueprint.security.jwt.hmac-secret (env BLUEPRINT_JWT_HMAC_SECRET), "
					+ "spring.security.oauth2.resourceserver.jwt.issuer-uri or "
					+ "spring.security.oauth2.resourceserver.jwt.jwk-set-uri is set. There is no built-in default key.");
		}
		byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
		if (bytes.length < MIN_SECRET_BYTES) {
			throw new JwtKeyConfigurationException(
					"blueprint.security.jwt.hmac-secret (env BLUEPRINT_JWT_HMAC_SECRET) is " + bytes.length
							+ " bytes long; HS256 needs at least " + MIN_SECRET_BYTES + " bytes.");
		}
		return new SecretKeySpec(bytes, "HmacSHA256");
	}

}
