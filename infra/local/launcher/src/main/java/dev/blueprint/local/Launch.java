package dev.blueprint.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command-line helpers shared by the components. */
final class Launch {

	private Launch() {
	}

	/**
	 * Runs the command in a session of its own ({@code setsid}), so a Ctrl-C in the
	 * terminal reaches only the launcher, which then stops everything in order, and
	 * {@code up -d} leaves processes that outlive the terminal.
	 */
	static List<String> detached(List<String> command) {
		if (!Files.isExecutable(Path.of("/usr/bin/setsid")) && !Files.isExecutable(Path.of("/bin/setsid"))) {
			return command;
		}
		List<String> result = new ArrayList<>();
		result.add("setsid");
		result.addAll(command);
		return result;
	}

	/** The {@code java} executable of a JDK or JRE home. */
	static String java(Path javaHome) {
		return javaHome.resolve("bin").resolve("java").toString();
	}

	/**
	 * The JVM option that writes every garbage-collection pause, with its length and
	 * wall-clock time, to {@code logs/NAME-gc.log} (two files of at most 10 MiB each), so
	 * a slow second of a service can be matched with a pause of any process of the stack.
	 * The file name is quoted: a state directory may contain a colon or a space.
	 */
	static String gcLog(StackSettings settings, String name) {
		return "-Xlog:gc:file=\"" + settings.logs().resolve(name + "-gc.log") + "\":time,uptime,level,tags"
				+ ":filecount=2,filesize=10m";
	}

	/** The classpath a server module wrote at build time. */
	static String classpath(StackSettings settings, String module) {
		Path file = settings.repoDir().resolve("infra/local").resolve(module).resolve("target/classpath.txt");
		try {
			return Files.readString(file).trim();
		}
		catch (java.io.IOException ex) {
			throw new LauncherException(file + " is missing: build first (./mvnw -DskipTests package).");
		}
	}

}
