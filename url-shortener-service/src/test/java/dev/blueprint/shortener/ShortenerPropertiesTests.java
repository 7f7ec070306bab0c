package dev.blueprint.shortener;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ShortenerPropertiesTests {

	@Test
	void clickSettingsAreCheckedAtTheirEdgesNamingTheSetting() {
		assertThat(
				new ShortenerProperties.Clicks(Duration.ofMillis(1), 1, true, Duration.ofMillis(2)).maxPendingCodes())
			.isEqualTo(1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ShortenerProperties.Clicks(Duration.ofSeconds(1), 0, true, Duration.ofMinutes(5)))
			.withMessage("shortener.clicks.max-pending-codes must be at least 1, was 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ShortenerProperties.Clicks(Duration.ZERO, 100, true, Duration.ofMinutes(5)))
			.withMessage("shortener.clicks.flush-interval must be positive, was PT0S");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ShortenerProperties.Clicks(Duration.ofSeconds(1), 100, true, Duration.ofSeconds(1)))
			.withMessageStartingWith("shortener.clicks.rollup-interval (PT1S) must be longer than");
	}

}
