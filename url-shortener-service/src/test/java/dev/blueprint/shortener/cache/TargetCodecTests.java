package dev.blueprint.shortener.cache;

import java.time.Instant;
import java.util.Optional;

import dev.blueprint.shortener.links.RedirectTarget;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TargetCodecTests {

	@Test
	void roundTripsTargetsWithAndWithoutExpiry() {
		RedirectTarget permanent = new RedirectTarget("https://example.com/a|b?c=d", 301, null);
		RedirectTarget expiring = new RedirectTarget("https://example.com/", 302, Instant.ofEpochMilli(1_234_567));
		assertThat(TargetCodec.decode(TargetCodec.encode(Optional.of(permanent)))).hasValue(permanent);
		assertThat(TargetCodec.decode(TargetCodec.encode(Optional.of(expiring)))).hasValue(expiring);
	}

	@Test
	void negativeEntryIsADash() {
		assertThat(TargetCodec.encode(Optional.empty())).isEqualTo("-");
		assertThat(TargetCodec.decode("-")).isEmpty();
	}

	/**
	 * Another format (a rolling deploy), a truncated or hand-written value: refused, for
	 * the cache to treat as a miss, where it was a NumberFormatException or
	 * StringIndexOutOfBoundsException (a 500 on every redirect of the code until the
	 * value's TTL ended), or a redirect with a made-up status.
	 */
	@Test
	void aValueThatIsNoEncodedTargetIsRefused() {
		for (String value : new String[] { "garbage", "", "302", "302|", "302|-", "302|-|", "x|-|https://example.com/",
				"307|-|https://example.com/", "302|soon|https://example.com/", "|-|https://example.com/",
				"{\"url\":\"https://example.com/\"}" }) {
			assertThatIllegalArgumentException().as(value)
				.isThrownBy(() -> TargetCodec.decode(value))
				.withMessageStartingWith("Not a cached redirect target");
		}
	}

}
