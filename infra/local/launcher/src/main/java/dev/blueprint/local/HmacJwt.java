package dev.blueprint.local;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mints HS256 JWTs for local users, as {@code ./suite token USER} prints them. Production
 * services take tokens from an issuer (JWK set) instead; this exists for the local stack
 * and tests only.
 */
public final class HmacJwt {

	/** The {@code iss} claim of local tokens. */
	public static final String ISSUER = "blueprint-local";

	private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

	private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

	private HmacJwt() {
	}

	/**
	 * A token for {@code user}, valid from {@code now} for {@code ttl}.
	 * @throws IllegalArgumentException if the user name is not 1-64 of
	 * {@code [A-Za-z0-9._@-]} or the secret is shorter than 32 bytes
	 */
	public static String mint(String secret, String user, Instant now, Duration ttl) {
		if (user == null || !USER.matcher(user).matches()) {
			throw new IllegalArgumentException(
					"user must be 1-64 characters of A-Z a-z 0-9 . _ @ -, was '" + user + "'");
		}
		byte[] key = secret.getBytes(StandardCharsets.UTF_8);
		if (key.length < 32) {
			throw new IllegalArgumentException("HMAC secret must be at least 32 bytes (HS256), was " + key.length);
		}
		return sign(key, "{\"sub\":\"" + user + "\",\"iss\":\"" + ISSUER + "\",\"iat\":" + now.getEpochSecond()
				+ ",\"exp\":" + now.plus(ttl).getEpochSecond() + "}");
	}

	/**
	 * A token with exactly these claims (a JSON object), signed with {@code secret}:
	 * unchecked, for tests of what a service does with claims {@link #mint} never writes.
	 */
	public static String sign(String secret, String claims) {
		return sign(secret.getBytes(StandardCharsets.UTF_8), claims);
	}

	private static String sign(byte[] key, String claims) {
		String signingInput = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + encode(claims);
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			return signingInput + "."
					+ BASE64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 unavailable", ex);
		}
	}

	private static String encode(String json) {
		return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
	}

}
