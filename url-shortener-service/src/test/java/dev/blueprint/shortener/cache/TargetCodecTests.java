package dev.blueprint.shortener.cache;

import java.time.Instant;
import java.util.Optional;

import dev.blueprint.shortener.links.RedirectTarget;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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

}
