package dev.blueprint.testsupport;

import java.time.Duration;
import java.time.Instant;

import dev.blueprint.local.HmacJwt;

/**
 * JWTs for tests, signed with the key that {@link RealInfrastructure} gives every
 * context.
 */
public final class TestTokens {

	/** The HMAC key of test contexts; never used outside tests. */
	public static final String SECRET = "blueprint-test-only-hmac-key-0123456789abcdef";

	private TestTokens() {
	}

	/** A token for {@code user}, valid for an hour. */
	public static String token(String user) {
		return HmacJwt.mint(SECRET, user, Instant.now(), Duration.ofHours(1));
	}

	/** {@code "Bearer " + token(user)}, for an Authorization header. */
	public static String bearer(String user) {
		return "Bearer " + token(user);
	}

	/** A correctly signed token that expired an hour ago. */
	public static String expired(String user) {
		return HmacJwt.mint(SECRET, user, Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1));
	}

	/** A token signed with another key. */
	public static String foreign(String user) {
		return HmacJwt.mint("some-other-key-that-is-long-enough-0123456789", user, Instant.now(), Duration.ofHours(1));
	}

	/**
	 * A correctly signed token, valid for an hour, whose subject is anything, even what
	 * no local token carries ({@code null}: none), as an external issuer's may.
	 */
	public static String withSubject(String subject) {
		long now = Instant.now().getEpochSecond();
		String sub = (subject != null) ? "\"sub\":\"" + subject.replace("\\", "\\\\").replace("\"", "\\\"") + "\","
				: "";
		return HmacJwt.sign(SECRET,
				"{" + sub + "\"iss\":\"" + HmacJwt.ISSUER + "\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}");
	}

	/** A valid token whose payload was changed after signing (the subject swapped). */
	public static String tampered(String user) {
		String[] parts = token(user).split("\\.");
		String otherPayload = token("mallory").split("\\.")[1];
		return parts[0] + "." + otherPayload + "." + parts[2];
	}

}
