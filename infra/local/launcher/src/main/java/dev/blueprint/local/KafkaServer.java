package dev.blueprint.local;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Kafka 4.2 as one KRaft node (broker and controller in one JVM), on its own classpath.
 * Storage is formatted once with a fixed cluster id; every replication factor is 1.
 */
final class KafkaServer implements Component {

	/** base64url("blueprint-local1"): a fixed id keeps re-formatting deterministic. */
	static final String CLUSTER_ID = "Ymx1ZXByaW50LWxvY2FsMQ";

	private final StackSettings settings;

	private final Path javaHome;

	private volatile URLClassLoader clientLoader;

	KafkaServer(StackSettings settings, Path javaHome) {
		this.settings = settings;
		this.javaHome = javaHome;
	}

	@Override
	public String name() {
		return "kafka";
	}

	@Override
	public int port() {
		return this.settings.kafkaPort();
	}

	@Override
	public List<Integer> ports() {
		return List.of(port(), this.settings.kafkaControllerPort());
	}

	@Override
	public ProcessBuilder command() throws IOException {
		Path conf = this.settings.conf(name());
		Path data = this.settings.data(name());
		Files.createDirectories(conf);
		Files.createDirectories(data);
		Path properties = conf.resolve("server.properties");
		Files.writeString(properties, serverProperties(data));
		Path log4j = conf.resolve("log4j2.properties");
		Files.writeString(log4j, """
				status = warn
				appender.console.type = Console
				appender.console.name = console
				appender.console.layout.type = PatternLayout
				appender.console.layout.pattern = [%d] %p %m (%c)%n
				rootLogger.level = info
				rootLogger.appenderRef.console.ref = console
				logger.kafka.name = kafka
				logger.kafka.level = warn
				logger.state.name = state.change.logger
				logger.state.level = warn
				logger.clients.name = org.apache.kafka
				logger.clients.level = warn
				""");
		String classpath = Launch.classpath(this.settings, "kafka-server");
		// The whole heap from the start and G1's default pause goal: with a 384 MiB heap
		// growing from 128 MiB and kafka-server-start's 20 ms goal, the broker of the
		// chat benchmark ran ~25 young and ~15 concurrent collections a minute, and the
		// chat path's p50 at 500 msg/s was 31-33 ms instead of 19-21
		// (docs/benchmarks/chat-load-history.md).
		List<String> jvm = List.of(Launch.java(this.javaHome), "-Xms" + this.settings.kafkaHeap(),
				"-Xmx" + this.settings.kafkaHeap(), "-XX:+UseG1GC", "-Djava.awt.headless=true",
				"-Dlog4j2.configurationFile=" + log4j.toUri(), "-Dkafka.logs.dir=" + this.settings.logs(), "-cp",
				classpath);
		if (!Files.exists(data.resolve("meta.properties"))) {
			format(jvm, properties);
		}
		List<String> command = new java.util.ArrayList<>(jvm);
		// The broker's GC log only (a JVM option may follow the classpath): the format
		// run above would rotate it away.
		command.addAll(List.of(Launch.gcLog(this.settings, "kafka"), "kafka.Kafka", properties.toString()));
		return new ProcessBuilder(Launch.detached(command));
	}

	private void format(List<String> jvm, Path properties) throws IOException {
		List<String> command = new java.util.ArrayList<>(jvm);
		command.addAll(List.of("kafka.tools.StorageTool", "format", "-t", CLUSTER_ID, "-c", properties.toString(),
				"--ignore-formatted"));
		Path log = this.settings.logs().resolve("kafka-format.log");
		Files.createDirectories(log.getParent());
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
		try {
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				process.destroyForcibly();
				throw new LauncherException("Formatting Kafka storage failed; see " + log);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LauncherException("Interrupted while formatting Kafka storage", ex);
		}
	}

	private String serverProperties(Path data) {
		int port = port();
		int controller = this.settings.kafkaControllerPort();
		return String.join("\n", "process.roles=broker,controller", "node.id=1",
				"controller.quorum.voters=1@127.0.0.1:" + controller,
				"listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
				"advertised.listeners=PLAINTEXT://127.0.0.1:" + port, "controller.listener.names=CONTROLLER",
				"inter.broker.listener.name=PLAINTEXT",
				"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT", "log.dirs=" + data,
				"num.partitions=3", "default.replication.factor=1", "offsets.topic.replication.factor=1",
				"transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
				"share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1",
				"min.insync.replicas=1", "group.initial.rebalance.delay.ms=0", "num.network.threads=2",
				"num.io.threads=2", "log.segment.bytes=16777216", "log.retention.hours=168",
				"auto.create.topics.enable=false", "") + "\n";
	}

	/**
	 * A Kafka Admin {@code describeCluster}: the cluster id once the broker serves
	 * requests.
	 */
	@Override
	public Optional<String> probe() {
		return clusterId(this.settings.kafkaBootstrapServers()).map((id) -> "kafka cluster " + id);
	}

	/**
	 * Calls the real Admin client, loaded from the broker module's classpath in a class
	 * loader of its own: the launcher stays free of dependencies and of the host
	 * application's Kafka version.
	 */
	Optional<String> clusterId(String bootstrapServers) {
		Thread thread = Thread.currentThread();
		ClassLoader previous = thread.getContextClassLoader();
		try {
			ClassLoader loader = clientLoader();
			// Kafka resolves its configured classes through the context class loader.
			thread.setContextClassLoader(loader);
			Class<?> admin = loader.loadClass("org.apache.kafka.clients.admin.Admin");
			Map<String, Object> config = Map.of("bootstrap.servers", bootstrapServers, "request.timeout.ms", 2000,
					"default.api.timeout.ms", 3000, "socket.connection.setup.timeout.ms", 1000,
					"socket.connection.setup.timeout.max.ms", 1000);
			Object client = admin.getMethod("create", Map.class).invoke(null, config);
			try {
				Object result = admin.getMethod("describeCluster").invoke(client);
				Object future = loader.loadClass("org.apache.kafka.clients.admin.DescribeClusterResult")
					.getMethod("clusterId")
					.invoke(result);
				Object id = loader.loadClass("org.apache.kafka.common.KafkaFuture")
					.getMethod("get", long.class, TimeUnit.class)
					.invoke(future, 3L, TimeUnit.SECONDS);
				return Optional.ofNullable((String) id);
			}
			finally {
				admin.getMethod("close").invoke(client);
			}
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return Optional.empty();
		}
		finally {
			thread.setContextClassLoader(previous);
		}
	}

	private ClassLoader clientLoader() {
		if (this.clientLoader == null) {
			URL[] urls = Arrays.stream(Launch.classpath(this.settings, "kafka-server").split(File.pathSeparator))
				.map(KafkaServer::url)
				.toArray(URL[]::new);
			this.clientLoader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
		}
		return this.clientLoader;
	}

	private static URL url(String path) {
		try {
			return Path.of(path).toUri().toURL();
		}
		catch (MalformedURLException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

}
