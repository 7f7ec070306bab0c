package dev.blueprint.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Pid files, logs and signals for the processes of one state directory. A pid file holds
 * the pid and the process start time ({@link ProcessIdentity}), so a recycled pid is
 * never mistaken for ours and nothing that this launcher did not start is ever signalled.
 */
final class Supervisor {

	private final Path stateDir;

	Supervisor(Path stateDir) {
		this.stateDir = stateDir;
	}

	Path logFile(String name) {
		return this.stateDir.resolve("logs").resolve(name + ".log");
	}

	private Path pidFile(String name) {
		return this.stateDir.resolve("run").resolve(name + ".pid");
	}

	/**
	 * The live process recorded for {@code name}, if the one we started is still running.
	 */
	Optional<ProcessHandle> running(String name) {
		Path file = pidFile(name);
		if (!Files.isRegularFile(file)) {
			return Optional.empty();
		}
		try {
			ProcessIdentity recorded = ProcessIdentity.parse(Files.readString(file));
			return ProcessHandle.of(recorded.pid())
				.filter(ProcessHandle::isAlive)
				.filter((handle) -> recorded.sameProcessAs(ProcessIdentity.of(handle)));
		}
		catch (IOException | RuntimeException ex) {
			return Optional.empty();
		}
	}

	/**
	 * Names with a pid file in this state directory, whether or not the process still
	 * runs.
	 */
	List<String> recorded() {
		Path run = this.stateDir.resolve("run");
		if (!Files.isDirectory(run)) {
			return List.of();
		}
		try (Stream<Path> files = Files.list(run)) {
			return files.map((path) -> path.getFileName().toString())
				.filter((file) -> file.endsWith(".pid"))
				.map((file) -> file.substring(0, file.length() - 4))
				.sorted()
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	ProcessHandle start(String name, ProcessBuilder builder) throws IOException {
		Path log = logFile(name);
		Files.createDirectories(log.getParent());
		Files.createDirectories(pidFile(name).getParent());
		Files.writeString(log, "---- " + Instant.now() + " starting " + String.join(" ", builder.command()) + "\n",
				StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
				java.nio.file.StandardOpenOption.APPEND);
		builder.redirectErrorStream(true);
		builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
		builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
		Process process = builder.start();
		ProcessHandle handle = process.toHandle();
		Files.writeString(pidFile(name), ProcessIdentity.of(handle).format() + "\n");
		return handle;
	}

	/**
	 * SIGTERM, then SIGKILL after {@code grace}; the whole process tree, so a wrapper
	 * never leaves its child behind.
	 * @return whether a running process was stopped
	 */
	boolean stop(String name, Duration grace) {
		Optional<ProcessHandle> handle = running(name);
		handle.ifPresent((process) -> {
			List<ProcessHandle> tree = Stream.concat(Stream.of(process), process.descendants()).toList();
			tree.forEach(ProcessHandle::destroy);
			for (ProcessHandle member : tree) {
				try {
					member.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
				}
				catch (Exception ex) {
					member.destroyForcibly();
				}
			}
		});
		forget(name);
		return handle.isPresent();
	}

	/** Removes the pid file of {@code name} without signalling anything. */
	void forget(String name) {
		try {
			Files.deleteIfExists(pidFile(name));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The last {@code lines} lines of a component's log, for error messages. */
	String tail(String name, int lines) {
		Path log = logFile(name);
		if (!Files.isRegularFile(log)) {
			return "(no log at " + log + ")";
		}
		Deque<String> last = new ArrayDeque<>();
		try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
			all.forEach((line) -> {
				last.addLast(line);
				if (last.size() > lines) {
					last.removeFirst();
				}
			});
		}
		catch (IOException | UncheckedIOException ex) {
			return "(log unreadable: " + ex.getMessage() + ")";
		}
		return String.join("\n", last);
	}

	/** Resident set size of a process in MiB, from /proc; -1 where unknown. */
	static long rssMiB(ProcessHandle handle) {
		Path status = Path.of("/proc", Long.toString(handle.pid()), "status");
		try {
			for (String line : Files.readAllLines(status)) {
				if (line.startsWith("VmRSS:")) {
					return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// process gone or no procfs: unknown
		}
		return -1;
	}

}
