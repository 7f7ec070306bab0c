package dev.blueprint.local;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceProcessTests {

	@TempDir
	Path temp;

	@Test
	void aServiceRunsACopyOfItsJarThatARebuildInPlaceDoesNotTouch() throws Exception {
		Path repo = this.temp.resolve("repo");
		Path built = repo.resolve("chat-gateway/target/chat-gateway.jar");
		Files.createDirectories(built.getParent());
		Files.writeString(built, "first build");
		StackSettings settings = new StackSettings(repo, this.temp.resolve("state"), 0, "512m", "384m", "256m", "64mb");
		ServiceProcess service = new ServiceProcess("chat-gateway", settings, Path.of(System.getProperty("java.home")),
				"secret");

		Path copy = service.runnableJar();
		assertThat(copy).isEqualTo(settings.stateDir().resolve("jars/chat-gateway.jar"));
		assertThat(service.command().command()).contains(copy.toString()).doesNotContain(built.toString());
		Object unchanged = fileKey(copy);
		assertThat(service.runnableJar()).isEqualTo(copy);
		assertThat(fileKey(copy)).as("not copied again while the build is unchanged").isEqualTo(unchanged);

		try (FileChannel running = FileChannel.open(copy, StandardOpenOption.READ)) {
			InPlaceRebuild.rewrite(built, "second build");
			Files.setLastModifiedTime(built, FileTime.from(Instant.now().plusSeconds(5)));

			assertThat(service.runnableJar()).isEqualTo(copy);
			assertThat(Files.readString(copy)).isEqualTo("second build");
			assertThat(InPlaceRebuild.seenThrough(running)).as("the running service's file").isEqualTo("first build");
		}
		try (var files = Files.list(copy.getParent())) {
			assertThat(files).containsExactly(copy);
		}
	}

	private static Object fileKey(Path file) throws Exception {
		BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
		return attributes.fileKey();
	}

}
