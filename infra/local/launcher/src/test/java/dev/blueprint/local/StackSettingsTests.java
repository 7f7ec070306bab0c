package dev.blueprint.local;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class StackSettingsTests {

	private static final Path REPO = Path.of("/repo");

	@Test
	void defaultsAreTheDesignPortsAndARepoLocalStateDir() {
		StackSettings settings = StackSettings.fromEnvironment(REPO, Map.of());
		assertThat(settings.stateDir()).isEqualTo(Path.of("/repo/.suite"));
		assertThat(settings.redisPort()).isEqualTo(6379);
		assertThat(settings.kafkaBootstrapServers()).isEqualTo("127.0.0.1:9092");
		assertThat(settings.cassandraPort()).isEqualTo(9042);
		assertThat(settings.kafkaHeap()).isEqualTo("1g");
		assertThat(StackSettings.fromEnvironment(REPO, Map.of("BLUEPRINT_STATE_DIR", " ")).stateDir())
			.as("blank is unset, as ./suite reads it")
			.isEqualTo(Path.of("/repo/.suite"));
	}

	@Test
	void offsetMovesEveryPort() {
		StackSettings settings = StackSettings.fromEnvironment(REPO,
				Map.of("BLUEPRINT_PORT_OFFSET", "20000", "BLUEPRINT_STATE_DIR", "/tmp/e2e"));
		assertThat(settings.stateDir()).isEqualTo(Path.of("/tmp/e2e"));
		assertThat(settings.redisPort()).isEqualTo(26379);
		assertThat(settings.kafkaPort()).isEqualTo(29092);
		assertThat(settings.kafkaControllerPort()).isEqualTo(29093);
		assertThat(settings.cassandraPort()).isEqualTo(29042);
		assertThat(settings.cassandraStoragePort()).isEqualTo(27000);
		assertThat(settings.cassandraJmxPort()).isEqualTo(27199);
	}

	@Test
	void testServersUseTheirOwnPorts() {
		StackSettings settings = StackSettings.forTests(REPO, Path.of("/repo/target/test-infra"));
		assertThat(settings.redisPort()).isEqualTo(16379);
		assertThat(settings.cassandraPort()).isEqualTo(19042);
	}

	@Test
	void rejectsAnOffsetThatIsNotANumberOrOutOfRange() {
		assertThatExceptionOfType(LauncherException.class)
			.isThrownBy(() -> StackSettings.fromEnvironment(REPO, Map.of("BLUEPRINT_PORT_OFFSET", "ten")))
			.withMessage("BLUEPRINT_PORT_OFFSET must be a number, was 'ten'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> StackSettings.fromEnvironment(REPO, Map.of("BLUEPRINT_PORT_OFFSET", "23001")))
			.withMessageStartingWith(
					"port offset must be within 0..23000 (higher would put ports in Linux's ephemeral range")
			.withMessageEndingWith("was 23001");
		assertThat(StackSettings.fromEnvironment(REPO, Map.of("BLUEPRINT_PORT_OFFSET", "23000")).kafkaControllerPort())
			.isEqualTo(32093);
	}

	@Test
	void servicesStopAtC1UnlessToldOtherwise() {
		assertThat(StackSettings.fromEnvironment(REPO, Map.of()).serviceJvmOptions())
			.containsExactly("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
		assertThat(StackSettings.fromEnvironment(REPO, Map.of("BLUEPRINT_SERVICE_JVM_OPTS", " -XX:+UseG1GC  -Xss512k "))
			.serviceJvmOptions()).containsExactly("-XX:+UseG1GC", "-Xss512k");
	}

	@Test
	void durationsUseSuffixes() {
		assertThat(Main.duration("30m").toMinutes()).isEqualTo(30);
		assertThat(Main.duration("7d").toHours()).isEqualTo(168);
		assertThatIllegalArgumentException().isThrownBy(() -> Main.duration("1 hour"))
			.withMessage("duration must look like 30m, 24h or 7d, was '1 hour'");
		assertThat(Main.duration("999999999d").toDays()).isEqualTo(999999999);
		assertThatIllegalArgumentException().isThrownBy(() -> Main.duration("9999999999d"))
			.withMessage("duration must look like 30m, 24h or 7d, was '9999999999d'");
	}

}
