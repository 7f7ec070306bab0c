package dev.blueprint.local;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProbesTests {

	@Test
	void readsTheOverallStatusNotTheFirstComponents() {
		String body = "{\"components\":{\"cassandra\":{\"status\":\"UP\"},\"redis\":{\"status\":\"DOWN\","
				+ "\"details\":{\"error\":\"status \\\"x\\\" {\"}}},\"groups\":[\"liveness\"],\"status\":\"DOWN\"}";
		assertThat(Probes.topLevelStatus(body)).hasValue("DOWN");
	}

	@Test
	void acceptsAnOverallUpWithADegradedComponent() {
		String body = "{\"components\":{\"rateLimiter\":{\"status\":\"DEGRADED\"}},\"status\" : \"UP\"}";
		assertThat(Probes.topLevelStatus(body)).hasValue("UP");
	}

	@Test
	void findsNothingInABodyWithoutAStatus() {
		assertThat(Probes.topLevelStatus("{\"components\":{\"redis\":{\"status\":\"UP\"}}}")).isEmpty();
		assertThat(Probes.topLevelStatus("<html>502</html>")).isEmpty();
	}

}
