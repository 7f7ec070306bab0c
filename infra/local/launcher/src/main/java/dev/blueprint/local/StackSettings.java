package dev.blueprint.local;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where one local stack lives and which ports it uses. Every port is the DESIGN.md
 * default plus {@code portOffset}, so several stacks (the developer's, the build's test
 * servers, the end-to-end suite) can run side by side without touching each other's data.
 *
 * @param repoDir the Blueprint checkout (server classpaths and service jars are found
 * under it)
 * @param stateDir pid files, generated configs, data and logs of this stack
 * @param portOffset added to every default port
 * @param cassandraHeap maximum heap of the Cassandra JVM (e.g. {@code 512m})
 * @param kafkaHeap initial and maximum heap of the Kafka JVM
 * @param serviceHeap maximum heap of each service JVM
 * @param redisMaxMemory Redis {@code maxmemory}; eviction is {@code allkeys-lru}
 * @param serviceJvmOptions extra JVM flags of each service
 */
public record StackSettings(Path repoDir, Path stateDir, int portOffset, String cassandraHeap, String kafkaHeap,
		String serviceHeap, String redisMaxMemory, List<String> serviceJvmOptions) {

	/**
	 * Service JVM flags unless {@code BLUEPRINT_SERVICE_JVM_OPTS} says otherwise: six
	 * Spring Boot services starting together on two cores spend most of their start-up in
	 * the C2 compiler, so the local stack stops at C1 and uses the serial collector.
	 * Benchmarks that want peak throughput set
	 * {@code BLUEPRINT_SERVICE_JVM_OPTS="-XX:+UseG1GC"}.
	 */
	public static final List<String> DEFAULT_SERVICE_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1",
			"-XX:+UseSerialGC");

	/**
	 * Keeps the highest port (9093 + offset) below Linux's ephemeral port range
	 * (32768-60999).
	 */
	public static final int MAX_PORT_OFFSET = 23000;

	/** Port offset of the servers the build starts for integration tests. */
	public static final int TEST_PORT_OFFSET = 10000;

	public StackSettings(Path repoDir, Path stateDir, int portOffset, String cassandraHeap, String kafkaHeap,
			String serviceHeap, String redisMaxMemory) {
		this(repoDir, stateDir, portOffset, cassandraHeap, kafkaHeap, serviceHeap, redisMaxMemory,
				DEFAULT_SERVICE_JVM_OPTIONS);
	}

	public StackSettings {
		serviceJvmOptions = List.copyOf(serviceJvmOptions);
		repoDir = repoDir.toAbsolutePath().normalize();
		stateDir = stateDir.toAbsolutePath().normalize();
		if (portOffset < 0 || portOffset > MAX_PORT_OFFSET) {
			throw new IllegalArgumentException("port offset must be within 0.." + MAX_PORT_OFFSET
					+ " (higher would put ports in Linux's ephemeral range, 32768+, where any outgoing connection can take them), was "
					+ portOffset);
		}
	}

	/**
	 * Settings from the environment: {@code BLUEPRINT_STATE_DIR} (default
	 * {@code <repo>/.suite}), {@code BLUEPRINT_PORT_OFFSET} (default 0),
	 * {@code BLUEPRINT_CASSANDRA_HEAP} (512m), {@code BLUEPRINT_KAFKA_HEAP} (1g, also its
	 * initial heap), {@code BLUEPRINT_SERVICE_HEAP} (256m),
	 * {@code BLUEPRINT_REDIS_MAXMEMORY} (256mb).
	 */
	public static StackSettings fromEnvironment(Path repoDir, Map<String, String> env) {
		// blank is unset, as for ./suite (${BLUEPRINT_STATE_DIR:-...}); not the current
		// directory
		String state = env.getOrDefault("BLUEPRINT_STATE_DIR", "");
		Path stateDir = state.isBlank() ? repoDir.resolve(".suite") : Path.of(state);
		int offset;
		try {
			offset = Integer.parseInt(env.getOrDefault("BLUEPRINT_PORT_OFFSET", "0").trim());
		}
		catch (NumberFormatException ex) {
			throw new LauncherException(
					"BLUEPRINT_PORT_OFFSET must be a number, was '" + env.get("BLUEPRINT_PORT_OFFSET") + "'");
		}
		String jvmOptions = env.get("BLUEPRINT_SERVICE_JVM_OPTS");
		List<String> serviceJvmOptions = (jvmOptions != null)
				? List.of(jvmOptions.trim().split("\\s+")).stream().filter((option) -> !option.isEmpty()).toList()
				: DEFAULT_SERVICE_JVM_OPTIONS;
		return new StackSettings(repoDir, stateDir, offset, env.getOrDefault("BLUEPRINT_CASSANDRA_HEAP", "512m"),
				env.getOrDefault("BLUEPRINT_KAFKA_HEAP", "1g"), env.getOrDefault("BLUEPRINT_SERVICE_HEAP", "256m"),
				env.getOrDefault("BLUEPRINT_REDIS_MAXMEMORY", "256mb"), serviceJvmOptions);
	}

	/** The servers the build starts for integration tests: own state dir, own ports. */
	public static StackSettings forTests(Path repoDir, Path stateDir) {
		return new StackSettings(repoDir, stateDir, TEST_PORT_OFFSET, "512m", "384m", "256m", "256mb");
	}

	public int redisPort() {
		return 6379 + this.portOffset;
	}

	public int kafkaPort() {
		return 9092 + this.portOffset;
	}

	public int kafkaControllerPort() {
		return 9093 + this.portOffset;
	}

	public int cassandraPort() {
		return 9042 + this.portOffset;
	}

	public int cassandraStoragePort() {
		return 7000 + this.portOffset;
	}

	public int cassandraJmxPort() {
		return 7199 + this.portOffset;
	}

	public String kafkaBootstrapServers() {
		return "127.0.0.1:" + kafkaPort();
	}

	public Path logs() {
		return this.stateDir.resolve("logs");
	}

	public Path data(String component) {
		return this.stateDir.resolve("data").resolve(component);
	}

	public Path conf(String component) {
		return this.stateDir.resolve("conf").resolve(component);
	}

}
