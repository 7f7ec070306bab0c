package dev.blueprint.chat.gateway.web;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Pattern;

import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.jwk.source.ImmutableSecret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/dev/token {"user": "alice"}} → {@code {"token": "<jwt>", "user",
 * "expiresAt"}}: the same HS256 token {@code ./suite token alice} prints (issuer
 * {@code blueprint-local}, or {@code blueprint.security.jwt.issuer} when set), so the web
 * page can sign in on a local stack. Exists only when {@code gateway.web.dev-tokens=true}
 * (env {@code CHAT_DEV_TOKENS}), which {@code ./suite up} sets and no deployment manifest
 * does: it hands out any identity to anyone who can reach the gateway.
 */
@RestController
@ConditionalOnProperty(name = "gateway.web.dev-tokens", havingValue = "true")
class DevTokens {

	private static final Logger logger = LoggerFactory.getLogger(DevTokens.class);

	static final String PATH = "/api/v1/dev/token";

	static final String ISSUER = "blueprint-local";

	private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

	private final JwtEncoder encoder;

	private final Duration ttl;

	private final Clock clock;

	/**
	 * The issuer the gateway's own decoder expects
	 * ({@code blueprint.security.jwt.issuer}).
	 */
	private final String issuer;

	DevTokens(WebProperties web, Environment environment, Clock clock) {
		for (String external : new String[] { "issuer-uri", "jwk-set-uri", "public-key-location" }) {
			if (StringUtils.hasText(environment.getProperty("spring.security.oauth2.resourceserver.jwt." + external))) {
				throw new IllegalStateException("gateway.web.dev-tokens (CHAT_DEV_TOKENS) is for local stacks signed "
						+ "with the HS256 secret; it cannot be on with an external issuer (" + external + " is set)");
			}
		}
		String secret = environment.getProperty("blueprint.security.jwt.hmac-secret");
		if (!StringUtils.hasText(secret)) {
			throw new IllegalStateException(
					"gateway.web.dev-tokens (CHAT_DEV_TOKENS) needs blueprint.security.jwt.hmac-secret");
		}
		this.encoder = new NimbusJwtEncoder(
				new ImmutableSecret<>(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256")));
		this.ttl = web.devTokenTtl();
		this.clock = clock;
		String configured = environment.getProperty("blueprint.security.jwt.issuer");
		this.issuer = (configured != null && !configured.isBlank()) ? configured : ISSUER;
		logger.warn("Dev tokens are on: POST {} mints a token for any user name. Local stacks only.", PATH);
	}

	record TokenRequest(String user) {
	}

	@PostMapping(PATH)
	ResponseEntity<?> mint(@RequestBody(required = false) TokenRequest request) {
		String user = (request != null) ? request.user() : null;
		if (user == null || !USER.matcher(user).matches()) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
					"user must be 1-64 characters of A-Z a-z 0-9 . _ @ -");
			problem.setProperty("field", "user");
			return ResponseEntity.badRequest().body(problem);
		}
		// JWT times are whole seconds.
		Instant now = this.clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Instant expiresAt = now.plus(this.ttl);
		JwtClaimsSet claims = JwtClaimsSet.builder()
			.subject(user)
			.issuer(this.issuer)
			.issuedAt(now)
			.expiresAt(expiresAt)
			.build();
		String token = this.encoder
			.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).type("JWT").build(), claims))
			.getTokenValue();
		return ResponseEntity.ok(Map.of("user", user, "token", token, "expiresAt", expiresAt.toString()));
	}

}
