package dev.blueprint.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cassandra 5.0 as a single node in its own JVM on a Java 17 (or 11) runtime, sized for a
 * 2-core machine. Settings and their reasons are in shared/notes/local-infra.md and
 * docs/adr.
 */
final class CassandraServer implements Component {

	/**
	 * The --add-exports / --add-opens set of Cassandra's own conf/jvm17-server.options.
	 */
	private static final List<String> JPMS = List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
			"--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED", "--add-exports",
			"java.rmi/sun.rmi.registry=ALL-UNNAMED", "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
			"--add-exports", "java.sql/java.sql=ALL-UNNAMED", "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
			"--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED", "--add-exports",
			"jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED", "--add-exports",
			"jdk.attach/sun.tools.attach=ALL-UNNAMED", "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
			"--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED", "--add-opens",
			"java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
			"--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED", "--add-opens",
			"java.base/jdk.internal.module=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
			"--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED", "--add-opens",
			"java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED", "--add-opens",
			"java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
			"--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.util=ALL-UNNAMED");

	private final StackSettings settings;

	private final Path javaHome;

	CassandraServer(StackSettings settings, Path javaHome) {
		this.settings = settings;
		this.javaHome = javaHome;
	}

	@Override
	public String name() {
		return "cassandra";
	}

	@Override
	public int port() {
		return this.settings.cassandraPort();
	}

	@Override
	public List<Integer> ports() {
		return List.of(port(), this.settings.cassandraStoragePort(), this.settings.cassandraJmxPort());
	}

	/**
	 * 1 ms. Cassandra's shared request pool keeps an idle worker "spinning" for the next
	 * request: parked {@code 10 µs × spinning workers} at a time, so one spinner wakes up
	 * to 100,000 times a second (SEPWorker.doWaitSpin; not configurable). On the 2-core
	 * machine that was 58 % of Cassandra's CPU at 100 msg/s of chat (async-profiler,
	 * 2026-12-02); with a 1 ms slack the kernel batches those wake-ups, and Cassandra's
	 * CPU per message at 300 msg/s halved (1.57 → 0.78 ms). A request may wait up to
	 * about that long for a spinner to pick it up.
	 */
	@Override
	public long timerSlackNanos() {
		return 1_000_000;
	}

	@Override
	public ProcessBuilder command() throws IOException {
		Path conf = this.settings.conf(name());
		Path data = this.settings.data(name());
		Files.createDirectories(conf);
		for (String dir : List.of("data", "commitlog", "saved_caches", "hints", "cdc_raw")) {
			Files.createDirectories(data.resolve(dir));
		}
		Path yaml = conf.resolve("cassandra.yaml");
		Files.writeString(yaml, cassandraYaml(data));
		Path logback = conf.resolve("logback.xml");
		Files.writeString(logback, """
				<configuration>
				  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
				    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
				  </appender>
				  <logger name="org.apache.cassandra" level="INFO"/>
				  <root level="WARN"><appender-ref ref="STDOUT"/></root>
				</configuration>
				""");
		List<String> command = new ArrayList<>();
		if (isRoot() && Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
			// As root, mlockall would pin the whole heap (+200 MiB RSS); drop the
			// capability instead.
			command.addAll(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock"));
		}
		command.addAll(List.of(Launch.java(this.javaHome), "-Xms256m", "-Xmx" + this.settings.cassandraHeap(),
				"-Xss256k", "-XX:+UseG1GC", "-XX:+ParallelRefProcEnabled", "-XX:MaxTenuringThreshold=1",
				"-XX:MaxGCPauseMillis=300", Launch.gcLog(this.settings, "cassandra"), "-XX:+HeapDumpOnOutOfMemoryError",
				"-Djava.net.preferIPv4Stack=true", "-Djdk.attach.allowAttachSelf=true",
				"-Dio.netty.tryReflectionSetAccessible=true", "-Dcassandra.config=" + yaml.toUri(),
				"-Dcassandra-foreground=yes", "-Dcassandra.storagedir=" + data,
				"-Dcassandra.logdir=" + this.settings.logs(),
				"-Dcassandra.jmx.local.port=" + this.settings.cassandraJmxPort(),
				"-Dlogback.configurationFile=" + logback.toUri(),
				// A single node has no ring to settle: these bring a fresh start from ~40
				// s to ~10 s.
				"-Dcassandra.ring_delay_ms=1000", "-Dcassandra.skip_wait_for_gossip_to_settle=0"));
		command.addAll(JPMS);
		command.addAll(List.of("-cp", Launch.classpath(this.settings, "cassandra-server"),
				"org.apache.cassandra.service.CassandraDaemon"));
		return new ProcessBuilder(Launch.detached(command));
	}

	private String cassandraYaml(Path data) {
		return """
				cluster_name: blueprint-local
				num_tokens: 16
				allocate_tokens_for_local_replication_factor: 1
				partitioner: org.apache.cassandra.dht.Murmur3Partitioner
				endpoint_snitch: SimpleSnitch
				seed_provider:
				  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
				    parameters:
				      - seeds: "127.0.0.1:%2$d"
				listen_address: 127.0.0.1
				rpc_address: 127.0.0.1
				storage_port: %2$d
				native_transport_port: %3$d
				start_native_transport: true
				data_file_directories:
				  - %1$s/data
				commitlog_directory: %1$s/commitlog
				saved_caches_directory: %1$s/saved_caches
				hints_directory: %1$s/hints
				cdc_raw_directory: %1$s/cdc_raw
				commitlog_sync: periodic
				commitlog_sync_period: 10000ms
				commitlog_segment_size: 32MiB
				commitlog_total_space: 256MiB
				# Memtables at Cassandra's own default, a quarter of the heap each (was 64 MiB: a
				# flush of a chat table every ~10 s at 500 msg/s); compaction trickles at 4 MiB/s
				# (64 by default) instead of taking a core for a second or two after a flush.
				# Flushes and those compactions were the slowest seconds of the chat benchmark
				# (infra/local README).
				compaction_throughput: 4MiB/s
				key_cache_size: 16MiB
				counter_cache_size: 8MiB
				file_cache_size: 32MiB
				networking_cache_size: 16MiB
				index_summary_capacity: 8MiB
				concurrent_reads: 8
				concurrent_writes: 8
				concurrent_counter_writes: 8
				concurrent_compactors: 1
				native_transport_max_threads: 32
				auto_snapshot: false
				snapshot_before_compaction: false
				""".formatted(data, this.settings.cassandraStoragePort(), port());
	}

	@Override
	public Optional<String> probe() {
		return Probes.cassandra(port());
	}

	@Override
	public java.time.Duration stopTimeout() {
		return java.time.Duration.ofSeconds(30);
	}

	private static boolean isRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

}
