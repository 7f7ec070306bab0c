package dev.blueprint.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the ops tools the observability checks need (promtool, npm, node). A missing tool
 * fails the test with how to install it: these checks never skip.
 */
final class Commands {

	private Commands() {
	}

	/**
	 * Runs {@code command} in {@code directory}; its output (stdout and stderr) in the
	 * result.
	 */
	static Result run(Duration timeout, Path directory, String... command) {
		requireOnPath(command[0]);
		try {
			Path log = Files.createTempFile("blueprint-command", ".log");
			try {
				Process process = new ProcessBuilder(command).directory(directory.toFile())
					.redirectErrorStream(true)
					.redirectOutput(log.toFile())
					.start();
				if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
					process.destroyForcibly();
					throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
							+ Files.readString(log, StandardCharsets.UTF_8));
				}
				return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
			}
			finally {
				Files.deleteIfExists(log);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
	}

	/** The tool's path, or an {@link AssertionError} saying how to get it. */
	static Path requireOnPath(String tool) {
		for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			Path candidate = Path.of(dir, tool);
			if (!dir.isEmpty() && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		throw new AssertionError(tool + " is not on the PATH. " + INSTALL.getOrDefault(tool, "Install it."));
	}

	private static final Map<String, String> INSTALL = Map.of("promtool",
			"It comes with Debian's prometheus package: apt-get install prometheus (.ci/run does this).", "prometheus",
			"Install Debian's prometheus package: apt-get install prometheus (.ci/run does this).", "npm",
			"Install Node.js 20 with npm.", "node", "Install Node.js 20 with npm.");

	record Result(int exitCode, String output) {

		List<String> lines() {
			return this.output.lines().toList();
		}

	}

}
