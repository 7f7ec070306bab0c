package dev.blueprint.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class LaunchTests {

	@TempDir
	Path temp;

	@Test
	void theGcLogOptionWritesEveryPauseToTheStacksLogsEvenInADirectoryWithAColonAndASpace() throws Exception {
		StackSettings settings = new StackSettings(Path.of("."), this.temp.resolve("state: one"), 0, "512m", "384m",
				"256m", "64mb");
		Files.createDirectories(settings.logs());
		String java = Launch.java(Path.of(System.getProperty("java.home")));
		Process process = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseG1GC", Launch.gcLog(settings, "probe"), "-cp",
				System.getProperty("java.class.path"), Garbage.class.getName())
			.redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(output).isZero();

		List<String> lines = Files.readAllLines(settings.logs().resolve("probe-gc.log"));
		assertThat(lines).first()
			.asString()
			.matches("\\[\\d{4}-\\d\\d-\\d\\dT[^]]+]\\[[\\d.]+s]\\[info]\\[gc] Using G1");
		assertThat(lines)
			.anySatisfy((line) -> assertThat(line).contains("Pause Young").containsPattern("\\d+\\.\\d+ms$"));
	}

	/** Allocates enough to need a young collection in a 64 MiB heap, then exits. */
	static final class Garbage {

		public static void main(String[] args) {
			long sum = 0;
			for (int i = 0; i < 2_000; i++) {
				sum += new byte[64 * 1024].length;
			}
			System.out.println(sum);
		}

	}

}
