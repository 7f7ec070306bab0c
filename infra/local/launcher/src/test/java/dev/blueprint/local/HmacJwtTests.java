package dev.blueprint.local;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HmacJwtTests {

	private static final String SECRET = "a-secret-that-is-at-least-32-bytes-long";

	private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

	@Test
	void signsHeaderAndPayloadWithHs256() throws Exception {
		String[] parts = HmacJwt.mint(SECRET, "alice", NOW, Duration.ofHours(1)).split("\\.");
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
		byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
		assertThat(Base64.getUrlDecoder().decode(parts[2])).isEqualTo(expected);
		assertThat(decode(parts[0])).isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
	}

	@Test
	void carriesSubjectIssuerAndLifetime() {
		String payload = decode(HmacJwt.mint(SECRET, "alice", NOW, Duration.ofHours(1)).split("\\.")[1]);
		assertThat(payload).isEqualTo("{\"sub\":\"alice\",\"iss\":\"blueprint-local\",\"iat\":" + NOW.getEpochSecond()
				+ ",\"exp\":" + (NOW.getEpochSecond() + 3600) + "}");
	}

	@Test
	void rejectsUserNamesThatCouldBreakTheToken() {
		assertThatIllegalArgumentException().isThrownBy(() -> HmacJwt.mint(SECRET, "al\"ice", NOW, Duration.ofHours(1)))
			.withMessageContaining("user must be 1-64 characters");
		assertThatIllegalArgumentException().isThrownBy(() -> HmacJwt.mint(SECRET, "", NOW, Duration.ofHours(1)));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> HmacJwt.mint(SECRET, "a".repeat(65), NOW, Duration.ofHours(1)));
	}

	@Test
	void rejectsKeysTooShortForHs256() {
		assertThatIllegalArgumentException().isThrownBy(() -> HmacJwt.mint("short", "alice", NOW, Duration.ofHours(1)))
			.withMessage("HMAC secret must be at least 32 bytes (HS256), was 5");
	}

	private static String decode(String part) {
		return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
	}

}
