package dev.blueprint.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One of the six Blueprint services, run from its Spring Boot jar. */
final class ServiceProcess implements Component {

	/** The services in start order, with their DESIGN.md default ports. */
	static final Map<String, Integer> DEFAULT_PORTS = new java.util.LinkedHashMap<>();

	static {
		DEFAULT_PORTS.put("url-shortener-service", 8081);
		DEFAULT_PORTS.put("rate-limiter-service", 8082);
		DEFAULT_PORTS.put("chat-gateway", 8083);
		DEFAULT_PORTS.put("chat-message-service", 8084);
		DEFAULT_PORTS.put("presence-service", 8085);
		DEFAULT_PORTS.put("notification-service", 8086);
	}

	private final String name;

	private final StackSettings settings;

	private final Path javaHome;

	private final String jwtSecret;

	ServiceProcess(String name, StackSettings settings, Path javaHome, String jwtSecret) {
		this.name = name;
		this.settings = settings;
		this.javaHome = javaHome;
		this.jwtSecret = jwtSecret;
	}

	static List<ServiceProcess> all(StackSettings settings, Path javaHome, String jwtSecret) {
		return DEFAULT_PORTS.keySet()
			.stream()
			.map((name) -> new ServiceProcess(name, settings, javaHome, jwtSecret))
			.toList();
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public int port() {
		return DEFAULT_PORTS.get(this.name) + this.settings.portOffset();
	}

	@Override
	public List<Integer> ports() {
		return List.of(port());
	}

	Path jar() {
		return this.settings.repoDir().resolve(this.name).resolve("target").resolve(this.name + ".jar");
	}

	/**
	 * The jar the service runs: a copy of {@link #jar()} in the state directory, made
	 * when the built jar differs from it (size or modification time). A build rewrites
	 * {@code target/NAME.jar} in place (the archiver writes into the existing file),
	 * which would change the jar under a running service and break its next class
	 * loading; the copy is replaced by a rename, so a running service keeps the file it
	 * opened.
	 */
	Path runnableJar() throws IOException {
		Path built = jar();
		Path copy = this.settings.stateDir().resolve("jars").resolve(this.name + ".jar");
		if (Files.isRegularFile(copy) && Files.size(copy) == Files.size(built)
				&& Files.getLastModifiedTime(copy).toMillis() == Files.getLastModifiedTime(built).toMillis()) {
			// milliseconds: a copy's time keeps less precision than the file system's
			return copy;
		}
		Files.createDirectories(copy.getParent());
		Path partial = Files.createTempFile(copy.getParent(), this.name, ".partial");
		try {
			Files.copy(built, partial, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
			Files.move(partial, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			Files.deleteIfExists(partial);
		}
		return copy;
	}

	@Override
	public ProcessBuilder command() throws IOException {
		if (!Files.isRegularFile(jar())) {
			throw new LauncherException(jar() + " is missing: build first (./mvnw -DskipTests package).");
		}
		List<String> command = new ArrayList<>(
				List.of(Launch.java(this.javaHome), "-Xms64m", "-Xmx" + this.settings.serviceHeap()));
		command.add(Launch.gcLog(this.settings, this.name));
		command.addAll(this.settings.serviceJvmOptions());
		command.addAll(List.of("-jar", runnableJar().toString()));
		ProcessBuilder builder = new ProcessBuilder(Launch.detached(command));
		Map<String, String> env = builder.environment();
		env.put("PORT", Integer.toString(port()));
		env.put("REDIS_HOST", "127.0.0.1");
		env.put("REDIS_PORT", Integer.toString(this.settings.redisPort()));
		env.put("KAFKA_BOOTSTRAP_SERVERS", this.settings.kafkaBootstrapServers());
		env.put("CASSANDRA_CONTACT_POINTS", "127.0.0.1:" + this.settings.cassandraPort());
		env.put("CASSANDRA_DATACENTER", "datacenter1");
		env.put("BLUEPRINT_JWT_HMAC_SECRET", this.jwtSecret);
		// The gateway and presence-service read conversations (contacts, members) from
		// it.
		env.put("CHAT_MESSAGE_SERVICE_URL",
				"http://127.0.0.1:" + (DEFAULT_PORTS.get("chat-message-service") + this.settings.portOffset()));
		// Pushes go to the log unless the caller's environment chooses a provider
		// (NOTIFICATION_PUSH_PROVIDER=webhook and NOTIFICATION_PUSH_WEBHOOK_URL).
		env.putIfAbsent("NOTIFICATION_PUSH_PROVIDER", "log");
		if ("chat-gateway".equals(this.name)) {
			// The web page's presence calls go through the gateway; sign-in by user name
			// (POST /api/v1/dev/token) exists on local stacks only.
			env.put("PRESENCE_SERVICE_URL",
					"http://127.0.0.1:" + (DEFAULT_PORTS.get("presence-service") + this.settings.portOffset()));
			env.put("CHAT_DEV_TOKENS", "true");
		}
		if ("rate-limiter-service".equals(this.name)) {
			// `./suite token admin` may change rules on a local stack (none may by
			// default)
			env.putIfAbsent("BLUEPRINT_RATELIMIT_ADMINS", "admin");
		}
		return builder;
	}

	@Override
	public Optional<String> probe() {
		return Probes.health(port());
	}

	@Override
	public Duration startTimeout() {
		// Six Spring Boot services starting together on two cores.
		return Duration.ofSeconds(300);
	}

}
