package dev.blueprint.platform.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class BlueprintSecurityAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BlueprintSecurityAutoConfiguration.class));

	@Test
	void failsWithoutAnyKey() {
		this.contextRunner.run((context) -> assertThat(context).getFailure()
			.rootCause()
			.isInstanceOf(JwtKeyConfigurationException.class));
	}

	@Test
	void usesTheSharedSecretAndTheLocalIssuerByDefault() {
		String secret = "0123456789abcdef0123456789abcdef";
		this.contextRunner.withPropertyValues("blueprint.security.jwt.hmac-secret=" + secret).run((context) -> {
			JwtDecoder decoder = context.getBean(JwtDecoder.class);
			assertThat(decoder.decode(hmacToken(secret, "blueprint-local")).getSubject()).isEqualTo("alice");
			assertThatExceptionOfType(JwtValidationException.class)
				.isThrownBy(() -> decoder.decode(hmacToken(secret, "someone-else")))
				.withMessageContaining("iss");
		});
	}

	private static String hmacToken(String secret, String issuer) throws Exception {
		JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("alice")
			.issuer(issuer)
			.issueTime(new Date())
			.expirationTime(Date.from(Instant.now().plusSeconds(300)))
			.build();
		SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
		jwt.sign(new MACSigner(secret));
		return jwt.serialize();
	}

	/**
	 * Spring Boot's decoder for an external key source gets the subject check too: a
	 * token without {@code sub} is refused like a bad signature.
	 */
	@Test
	void springBootsDecoderRefusesATokenWithoutASubjectOrAnExpiry(@TempDir Path directory) throws Exception {
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		KeyPair keys = generator.generateKeyPair();
		Path publicKey = directory.resolve("issuer.pub");
		Files.writeString(publicKey,
				"-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(keys.getPublic().getEncoded())
						+ "\n-----END PUBLIC KEY-----\n");
		this.contextRunner.withConfiguration(AutoConfigurations.of(OAuth2ResourceServerAutoConfiguration.class))
			.withPropertyValues("spring.security.oauth2.resourceserver.jwt.public-key-location=" + publicKey.toUri())
			.run((context) -> {
				JwtDecoder decoder = context.getBean(JwtDecoder.class);
				assertThat(decoder.decode(rsaToken(keys, "alice")).getSubject()).isEqualTo("alice");
				assertThatExceptionOfType(JwtValidationException.class)
					.isThrownBy(() -> decoder.decode(rsaToken(keys, null)))
					.withMessageContaining("sub");
				assertThatExceptionOfType(JwtValidationException.class)
					.isThrownBy(() -> decoder.decode(rsaToken(keys, "alice", null)))
					.withMessageContaining("exp");
			});
	}

	private static String rsaToken(KeyPair keys, String subject) throws Exception {
		return rsaToken(keys, subject, Instant.now().plusSeconds(300));
	}

	private static String rsaToken(KeyPair keys, String subject, Instant expiresAt) throws Exception {
		JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject)
			.issueTime(new Date())
			.expirationTime((expiresAt != null) ? Date.from(expiresAt) : null)
			.build();
		SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
		jwt.sign(new RSASSASigner(keys.getPrivate()));
		return jwt.serialize();
	}

	@Test
	void leavesTheDecoderToSpringBootWhenAnIssuerIsConfigured() {
		this.contextRunner
			.withPropertyValues("spring.security.oauth2.resourceserver.jwt.issuer-uri=https://idp.example")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(JwtDecoder.class));
	}

}
