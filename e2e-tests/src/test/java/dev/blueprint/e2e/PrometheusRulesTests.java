package dev.blueprint.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * infra/prometheus as Prometheus itself reads it, with the real {@code promtool}: the
 * configuration (and the rule files it loads) is valid, and the alerts' unit tests in
 * alerts.test.yml pass, so each alert fires exactly when it should.
 * DashboardQueriesIntegrationTests proves the metrics the alerts read exist.
 */
class PrometheusRulesTests {

	private static final Path PROMETHEUS = Suite.REPO.resolve("infra/prometheus");

	private static final Duration TIMEOUT = Duration.ofMinutes(1);

	@Test
	void theConfigurationAndItsRuleFilesAreValid() throws IOException {
		Commands.Result check = Commands.run(TIMEOUT, PROMETHEUS, "promtool", "check", "config", "prometheus.yml");
		assertThat(check.exitCode()).as(check.output()).isZero();
		int alerts = alertNames(Files.readString(PROMETHEUS.resolve("alerts.yml"))).size();
		assertThat(alerts).isGreaterThanOrEqualTo(7);
		assertThat(check.output()).contains("SUCCESS: 1 rule files found")
			.contains("SUCCESS: " + alerts + " rules found");
	}

	@Test
	void everyAlertFiresWhenItShouldAndOnlyThen() {
		Commands.Result test = Commands.run(TIMEOUT, PROMETHEUS, "promtool", "test", "rules", "alerts.test.yml");
		assertThat(test.exitCode()).as(test.output()).isZero();
		assertThat(test.output()).contains("SUCCESS");
	}

	@Test
	void everyAlertHasAUnitTest() {
		Commands.Result alerts = Commands.run(TIMEOUT, PROMETHEUS, "promtool", "check", "rules", "alerts.yml");
		assertThat(alerts.exitCode()).as(alerts.output()).isZero();
		String tests = read(PROMETHEUS.resolve("alerts.test.yml"));
		for (String alert : alertNames(read(PROMETHEUS.resolve("alerts.yml")))) {
			assertThat(tests).as("alerts.test.yml tests " + alert).contains("alertname: " + alert + "\n");
		}
	}

	static List<String> alertNames(String rules) {
		return rules.lines()
			.map(String::strip)
			.filter((line) -> line.startsWith("- alert: "))
			.map((line) -> line.substring("- alert: ".length()).strip())
			.toList();
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
