package dev.blueprint.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class JavaRuntimesTests {

	@TempDir
	Path jdk;

	@Test
	void acceptsAConfiguredJava17() throws IOException {
		Files.writeString(this.jdk.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
		assertThat(JavaRuntimes.forCassandra(Map.of("BLUEPRINT_CASSANDRA_JAVA_HOME", this.jdk.toString())))
			.isEqualTo(this.jdk);
	}

	@Test
	void refusesAConfiguredJavaCassandraCannotRunOn() throws IOException {
		Files.writeString(this.jdk.resolve("release"), "JAVA_VERSION=\"25.0.3\"\n");
		assertThatExceptionOfType(LauncherException.class)
			.isThrownBy(() -> JavaRuntimes.forCassandra(Map.of("BLUEPRINT_CASSANDRA_JAVA_HOME", this.jdk.toString())))
			.withMessage(
					"BLUEPRINT_CASSANDRA_JAVA_HOME=" + this.jdk + " is Java 25; Cassandra 5.0 needs Java 17 or 11.");
	}

	@Test
	void readsTheFeatureVersionOfAJdkHome() throws IOException {
		Files.writeString(this.jdk.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"11.0.2\"\n");
		assertThat(JavaRuntimes.featureVersion(this.jdk)).hasValue(11);
		assertThat(JavaRuntimes.featureVersion(this.jdk.resolve("missing"))).isEmpty();
	}

}
