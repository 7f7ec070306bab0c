package dev.blueprint.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a Java runtime for Cassandra 5.0, which runs on Java 11 or 17 only: on 24+ it
 * dies in ThreadAwareSecurityManager because the Security Manager is gone.
 */
final class JavaRuntimes {

	private static final Pattern RELEASE_VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

	private static final List<Integer> CASSANDRA_JAVA = List.of(17, 11);

	private JavaRuntimes() {
	}

	/**
	 * {@code BLUEPRINT_CASSANDRA_JAVA_HOME} if set, else the running JVM when it fits,
	 * else the first Java 17 or 11 under /usr/lib/jvm or /opt/java.
	 */
	static Path forCassandra(Map<String, String> env) {
		String configured = env.get("BLUEPRINT_CASSANDRA_JAVA_HOME");
		if (configured != null && !configured.isBlank()) {
			Path home = Path.of(configured);
			int version = featureVersion(home).orElse(-1);
			if (!CASSANDRA_JAVA.contains(version)) {
				throw new LauncherException("BLUEPRINT_CASSANDRA_JAVA_HOME=" + configured + " is Java " + version
						+ "; Cassandra 5.0 needs Java 17 or 11.");
			}
			return home;
		}
		Path current = Path.of(System.getProperty("java.home"));
		if (CASSANDRA_JAVA.contains(Runtime.version().feature())) {
			return current;
		}
		for (int wanted : CASSANDRA_JAVA) {
			for (String root : List.of("/usr/lib/jvm", "/opt/java", "/usr/local/java")) {
				Optional<Path> found = installed(Path.of(root), wanted);
				if (found.isPresent()) {
					return found.get();
				}
			}
		}
		throw new LauncherException("Cassandra 5.0 needs a Java 17 (or 11) runtime and none was found (this launcher "
				+ "runs on Java " + Runtime.version().feature() + "). Install one, e.g. 'apt-get install "
				+ "openjdk-17-jre-headless', or point BLUEPRINT_CASSANDRA_JAVA_HOME at it.");
	}

	private static Optional<Path> installed(Path root, int wanted) {
		if (!Files.isDirectory(root)) {
			return Optional.empty();
		}
		try (Stream<Path> homes = Files.list(root)) {
			return homes.sorted()
				.filter((home) -> Files.isExecutable(home.resolve("bin/java")))
				.filter((home) -> featureVersion(home).orElse(-1) == wanted)
				.findFirst();
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	static Optional<Integer> featureVersion(Path home) {
		try {
			Matcher matcher = RELEASE_VERSION.matcher(Files.readString(home.resolve("release")));
			return matcher.find() ? Optional.of(Integer.parseInt(matcher.group(1))) : Optional.empty();
		}
		catch (IOException | RuntimeException ex) {
			return Optional.empty();
		}
	}

}
