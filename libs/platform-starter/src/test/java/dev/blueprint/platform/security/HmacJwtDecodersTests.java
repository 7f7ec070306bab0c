package dev.blueprint.platform.security;

import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class HmacJwtDecodersTests {

	private static final String SECRET = "0123456789abcdef0123456789abcdef";

	private final Instant now = Instant.now();

	@Test
	void acceptsTokenSignedWithTheSecret() throws Exception {
		JwtDecoder decoder = HmacJwtDecoders.create(new JwtProperties(SECRET, null));

		assertThat(decoder.decode(token(SECRET, "blueprint-local", this.now.plusSeconds(300))).getSubject())
			.isEqualTo("alice");
	}

	@Test
	void rejectsExpiredToken() throws Exception {
		JwtDecoder decoder = HmacJwtDecoders.create(new JwtProperties(SECRET, null));

		assertThatExceptionOfType(JwtValidationException.class)
			.isThrownBy(() -> decoder.decode(token(SECRET, "blueprint-local", this.now.minusSeconds(300))))
			.withMessageContaining("expired");
	}

	@Test
	void rejectsTokenSignedWithAnotherSecret() throws Exception {
		JwtDecoder decoder = HmacJwtDecoders.create(new JwtProperties(SECRET, null));
		String forged = token("another-secret-of-at-least-32-bytes!", "blueprint-local", this.now.plusSeconds(300));

		assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> decoder.decode(forged))
			.withMessageContaining("Invalid signature");
	}

	@Test
	void rejectsOtherIssuerWhenIssuerIsConfigured() throws Exception {
		JwtDecoder decoder = HmacJwtDecoders.create(new JwtProperties(SECRET, "blueprint-local"));

		assertThatExceptionOfType(JwtValidationException.class)
			.isThrownBy(() -> decoder.decode(token(SECRET, "someone-else", this.now.plusSeconds(300))))
			.withMessageContaining("iss");
	}

	@Test
	void rejectsTokenWithoutAnExpiry() throws Exception {
		JwtDecoder decoder = HmacJwtDecoders.create(new JwtProperties(SECRET, "blueprint-local"));

		assertThatExceptionOfType(JwtValidationException.class)
			.isThrownBy(() -> decoder.decode(token(SECRET, "alice", "blueprint-local", null)))
			.withMessageContaining("exp");
	}

	@Test
	void acceptsAnyIssuerOnlyWhenTheIssuerIsSetEmpty() throws Exception {
		JwtDecoder decoder = HmacJwtDecoders.create(new JwtProperties(SECRET, ""));

		assertThat(decoder.decode(token(SECRET, "someone-else", this.now.plusSeconds(300))).getSubject())
			.isEqualTo("alice");
	}

	@Test
	void rejectsTokenWithoutASubject() throws Exception {
		JwtDecoder decoder = HmacJwtDecoders.create(new JwtProperties(SECRET, null));

		for (String subject : new String[] { null, "", "  " }) {
			assertThatExceptionOfType(JwtValidationException.class).as("sub %s", subject)
				.isThrownBy(() -> decoder.decode(token(SECRET, subject, "blueprint-local", this.now.plusSeconds(300))))
				.withMessageContaining("sub");
		}
	}

	@Test
	void refusesSecretShorterThan32Bytes() {
		assertThatExceptionOfType(JwtKeyConfigurationException.class)
			.isThrownBy(() -> HmacJwtDecoders.create(new JwtProperties("too-short", null)))
			.withMessage("blueprint.security.jwt.hmac-secret (env BLUEPRINT_JWT_HMAC_SECRET) is 9 bytes long; "
					+ "HS256 needs at least 32 bytes.");
	}

	@Test
	void refusesToStartWithoutAnyKey() {
		assertThatExceptionOfType(JwtKeyConfigurationException.class)
			.isThrownBy(() -> HmacJwtDecoders.create(new JwtProperties("", null)))
			.withMessageContaining("BLUEPRINT_JWT_HMAC_SECRET")
			.withMessageContaining("issuer-uri")
			.withMessageContaining("jwk-set-uri");
	}

	private String token(String secret, String issuer, Instant expiresAt) throws Exception {
		return token(secret, "alice", issuer, expiresAt);
	}

	private String token(String secret, String subject, String issuer, Instant expiresAt) throws Exception {
		JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject)
			.issuer(issuer)
			.issueTime(Date.from(this.now.minusSeconds(900)))
			.expirationTime((expiresAt != null) ? Date.from(expiresAt) : null)
			.build();
		SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
		jwt.sign(new MACSigner(secret));
		return jwt.serialize();
	}

}
