package dev.blueprint.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repository's {@code ./suite} script on a repository of its own: fake jars and
 * server files with chosen times, a {@code mvnw} that only records that it ran, and a
 * {@code java} that only records how it was called.
 */
class SuiteScriptTests {

	private static final Path SUITE = Path.of("../../../suite").toAbsolutePath().normalize();

	private static final List<String> MODULES = List.of("url-shortener-service", "rate-limiter-service", "chat-gateway",
			"chat-message-service", "presence-service", "notification-service");

	private static final Instant NOW = Instant.now();

	@TempDir
	Path temp;

	private Path repo;

	private Path state;

	private Path launcher;

	private Path source;

	@BeforeEach
	void repository() throws IOException {
		this.repo = this.temp.resolve("repo");
		this.state = this.temp.resolve("state");
		Files.createDirectories(this.repo);
		Files.copy(SUITE, this.repo.resolve("suite"), StandardCopyOption.COPY_ATTRIBUTES);
		executable(this.repo.resolve("mvnw"), "echo \"$@\" >> \"$(dirname \"$0\")/mvnw.calls\"");
		executable(this.temp.resolve("jdk/bin/java"), "printf '%s\\n' \"$@\" > \"$FAKE_JAVA_CALL\"");
		this.launcher = this.repo.resolve("infra/local/launcher/target/blueprint-local-launcher.jar");
		file(this.launcher, "launcher, first build", NOW.minus(Duration.ofMinutes(10)));
		for (String module : MODULES) {
			file(this.repo.resolve(module + "/target/" + module + ".jar"), module, NOW.minus(Duration.ofMinutes(10)));
		}
		// The servers' files are rewritten by a build only when they change: they stay
		// old.
		Instant longAgo = NOW.minus(Duration.ofDays(3));
		file(this.repo.resolve("infra/local/kafka-server/target/classpath.txt"), "kafka", longAgo);
		file(this.repo.resolve("infra/local/cassandra-server/target/classpath.txt"), "cassandra", longAgo);
		file(this.repo.resolve("infra/local/redis-server/target/redis-bin/redis-server"), "redis", longAgo);
		file(this.repo.resolve("infra/local/redis-server/target/redis-bin"), null, longAgo);
		file(this.repo.resolve("pom.xml"), "<project/>", NOW.minus(Duration.ofHours(2)));
		this.source = this.repo.resolve("chat-gateway/src/main/java/Gateway.java");
		file(this.source, "class Gateway {}", NOW.minus(Duration.ofHours(1)));
	}

	@Test
	void upAfterABuildOfEveryEditBuildsNothingThoughTheServersFilesAreOlderThanTheEdit() throws Exception {
		List<String> java = suite("up");

		assertThat(this.repo.resolve("mvnw.calls")).doesNotExist();
		assertThat(java).containsSequence("-jar", this.state.resolve("jars/blueprint-local-launcher.jar").toString(),
				"up");
	}

	@Test
	void upAfterAnEditBuilds() throws Exception {
		Files.setLastModifiedTime(this.source, FileTime.from(NOW));

		suite("up");

		assertThat(Files.readString(this.repo.resolve("mvnw.calls"))).contains("-DskipTests").endsWith("package\n");
	}

	@Test
	void upWithAJarOlderThanTheEditBuilds() throws Exception {
		Path gateway = this.repo.resolve("chat-gateway/target/chat-gateway.jar");
		Files.setLastModifiedTime(gateway, FileTime.from(NOW.minus(Duration.ofHours(3))));

		suite("up");

		assertThat(this.repo.resolve("mvnw.calls")).exists();
	}

	@Test
	void upWithAServerFileMissingBuilds() throws Exception {
		Files.delete(this.repo.resolve("infra/local/kafka-server/target/classpath.txt"));

		suite("up");

		assertThat(this.repo.resolve("mvnw.calls")).exists();
	}

	@Test
	void otherVerbsAndASkippedBuildBuildNothing() throws Exception {
		Files.setLastModifiedTime(this.source, FileTime.from(NOW));

		assertThat(suite("ps")).containsSequence("ps");
		assertThat(suite(List.of("BLUEPRINT_SKIP_BUILD=1"), "up")).contains("up");

		assertThat(this.repo.resolve("mvnw.calls")).doesNotExist();
	}

	@Test
	void helpRunsTheBuiltJarAndCreatesNoStateDir() throws Exception {
		assertThat(suite("help")).containsSequence("-jar", this.launcher.toString(), "help");
		assertThat(suite("no-such-verb")).containsSequence("-jar", this.launcher.toString(), "no-such-verb");

		assertThat(this.state).doesNotExist();
	}

	@Test
	void everyVerbOfTheLauncherActsOnTheStackThroughTheScript() throws Exception {
		Path copy = this.state.resolve("jars/blueprint-local-launcher.jar");
		for (String verb : Main.commandNames()) {
			assertThat(suite(List.of("BLUEPRINT_SKIP_BUILD=1"), verb)).as(verb)
				.containsSequence("-jar", copy.toString(), verb);
		}
	}

	@Test
	void theLauncherRunsFromACopyThatARebuildInPlaceDoesNotTouch() throws Exception {
		suite("ps");
		Path copy = this.state.resolve("jars/blueprint-local-launcher.jar");
		assertThat(Files.readString(copy)).isEqualTo("launcher, first build");

		try (FileChannel running = FileChannel.open(copy, StandardOpenOption.READ)) {
			// a rebuild of the same length and time, other bytes (compared by content)
			FileTime built = Files.getLastModifiedTime(this.launcher);
			InPlaceRebuild.rewrite(this.launcher, "launcher, other build");
			Files.setLastModifiedTime(this.launcher, built);
			assertThat(Files.readString(copy)).as("the copy before the next ./suite")
				.isEqualTo("launcher, first build");

			assertThat(suite("ps")).contains(copy.toString());

			assertThat(Files.readString(copy)).isEqualTo("launcher, other build");
			assertThat(InPlaceRebuild.seenThrough(running)).as("the running launcher's file")
				.isEqualTo("launcher, first build");
		}
		try (var files = Files.list(copy.getParent())) {
			assertThat(files).as("no partial copy left").containsExactly(copy);
		}
	}

	private List<String> suite(String verb) throws Exception {
		return suite(List.of(), verb);
	}

	/** Runs the script, returns the fake java's arguments. */
	private List<String> suite(List<String> environment, String verb) throws Exception {
		Path call = this.temp.resolve("java.call");
		Files.deleteIfExists(call);
		ProcessBuilder builder = new ProcessBuilder(this.repo.resolve("suite").toString(), verb)
			.directory(this.temp.toFile())
			.redirectErrorStream(true);
		builder.environment().remove("BLUEPRINT_SKIP_BUILD");
		builder.environment().put("JAVA_HOME", this.temp.resolve("jdk").toString());
		builder.environment().put("BLUEPRINT_STATE_DIR", this.state.toString());
		builder.environment().put("FAKE_JAVA_CALL", call.toString());
		for (String variable : environment) {
			String[] pair = variable.split("=", 2);
			builder.environment().put(pair[0], pair[1]);
		}
		Path output = this.temp.resolve("suite.out");
		Process process = builder.redirectOutput(output.toFile()).start();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("./suite " + verb + " ends").isTrue();
		assertThat(process.exitValue()).as(Files.readString(output)).isZero();
		return Files.readAllLines(call);
	}

	private static void executable(Path file, String body) throws IOException {
		Files.createDirectories(file.getParent());
		Files.writeString(file, "#!/bin/sh\n" + body + "\n");
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
	}

	/**
	 * A file (a directory when {@code content} is null) last modified at {@code time}.
	 */
	private static void file(Path path, String content, Instant time) throws IOException {
		if (content == null) {
			Files.createDirectories(path);
		}
		else {
			Files.createDirectories(path.getParent());
			Files.writeString(path, content);
		}
		Files.setLastModifiedTime(path, FileTime.from(time));
	}

}
