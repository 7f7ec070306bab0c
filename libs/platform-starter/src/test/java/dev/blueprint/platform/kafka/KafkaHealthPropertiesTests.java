package dev.blueprint.platform.kafka;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KafkaHealthPropertiesTests {

	@Test
	void takesATimeoutFromOneMillisecondToOneMinute() {
		assertThat(new KafkaHealthProperties(Duration.ofMillis(1)).timeout()).isEqualTo(Duration.ofMillis(1));
		assertThat(new KafkaHealthProperties(Duration.ofMinutes(1)).timeout()).isEqualTo(Duration.ofMinutes(1));
	}

	@Test
	void refusesATimeoutThatWouldReportDownAlwaysOrOverflow() {
		// 0 s reported every check DOWN, keeping every chat pod unready; a timeout over
		// Integer.MAX_VALUE ms wrapped when handed to the admin client.
		for (Duration timeout : new Duration[] { Duration.ZERO, Duration.ofMillis(-1),
				Duration.ofMinutes(1).plusMillis(1), Duration.ofDays(30) }) {
			assertThatIllegalArgumentException().as("%s", timeout)
				.isThrownBy(() -> new KafkaHealthProperties(timeout))
				.withMessageContaining("blueprint.kafka.health.timeout");
		}
	}

}
