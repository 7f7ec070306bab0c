package dev.blueprint.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.blueprint.local.LocalStack;
import dev.blueprint.local.StackSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real three-master Redis Cluster for one test class, started from the same
 * {@code redis-server} binary as the build's other servers (in cluster mode; without
 * replicas, or with one per master for a failover, {@link #startWithReplicas}) and
 * stopped by {@link #close()}: production runs Redis Cluster (k8s/components/production),
 * where keys of one command or script must share a slot, pipelines and pub/sub span
 * nodes, and {@code PUBLISH} and {@code PUBSUB NUMSUB} count one node's subscribers.
 * <p>
 * Each node listens on {@code firstPort + i}, moved by the build's
 * {@code blueprint.test-infra.port-offset} like the shared servers (so two builds on one
 * machine do not meet), and its cluster bus on that plus 10,000; give every test class
 * its own {@code firstPort}. Nodes left behind by a test JVM that was killed are stopped
 * at the next start: their pids are kept in the temporary directory
 * ({@code blueprint-redis-cluster-<port>-<checkout>}, one per checkout, which
 * {@code mvn clean} leaves).
 */
public final class TestRedisCluster implements AutoCloseable {

	private static final int MASTERS = 3;

	private static final int SLOTS = 16384;

	/** Node timeout of a cluster with replicas: a dead master fails over in seconds. */
	private static final Duration FAILOVER_NODE_TIMEOUT = Duration.ofSeconds(3);

	private final List<Integer> ports;

	private final boolean replicas;

	private final Duration nodeTimeout;

	private final Path dir;

	private final List<Process> nodes = new ArrayList<>();

	private final Thread onExit = new Thread(this::stopNodes, "redis-cluster-stop");

	private TestRedisCluster(int firstPort, boolean replicas, Duration nodeTimeout, Path dir) {
		this.ports = IntStream.range(0, replicas ? 2 * MASTERS : MASTERS).map((i) -> firstPort + i).boxed().toList();
		this.replicas = replicas;
		this.nodeTimeout = nodeTimeout;
		this.dir = dir;
	}

	/**
	 * Starts the nodes, gives each a third of the slots, introduces them and waits until
	 * every node reports {@code cluster_state:ok}.
	 */
	public static TestRedisCluster start(int firstPort) {
		return start(firstPort, false, Duration.ofSeconds(5));
	}

	/**
	 * Starts three masters as {@link #start} does and a replica of each (nodes 3, 4 and 5
	 * replicate masters 0, 1 and 2, on the next ports), with a node timeout of 3 s, and
	 * waits until every replica has synchronised: a master that dies ({@link #kill}) is
	 * replaced by its replica within seconds.
	 */
	public static TestRedisCluster startWithReplicas(int firstPort) {
		return startWithReplicas(firstPort, FAILOVER_NODE_TIMEOUT);
	}

	/**
	 * As {@link #startWithReplicas(int)}, with {@code nodeTimeout}: how long a master is
	 * unreachable before the cluster fails it over (a test of what happens meanwhile
	 * wants room on a loaded machine).
	 */
	public static TestRedisCluster startWithReplicas(int firstPort, Duration nodeTimeout) {
		return start(firstPort, true, nodeTimeout);
	}

	private static TestRedisCluster start(int firstPort, boolean replicas, Duration nodeTimeout) {
		Path repo = TestInfrastructure.repoDir();
		int offset = Integer.getInteger("blueprint.test-infra.port-offset", StackSettings.TEST_PORT_OFFSET)
				- StackSettings.TEST_PORT_OFFSET;
		int port = firstPort + offset;
		TestRedisCluster cluster = new TestRedisCluster(port, replicas, nodeTimeout,
				Path.of(System.getProperty("java.io.tmpdir"), "blueprint-redis-cluster-" + port + "-"
						+ Integer.toHexString(repo.toAbsolutePath().normalize().toString().hashCode())));
		try {
			cluster.stopLeftovers();
			cluster.startNodes(LocalStack.redisServerBinary(repo));
			cluster.formCluster();
			if (replicas) {
				cluster.addReplicas();
			}
			return cluster;
		}
		catch (IOException ex) {
			cluster.close();
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			cluster.close();
			throw new IllegalStateException("Interrupted while starting a Redis Cluster", ex);
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	/** The nodes' ports. */
	public List<Integer> ports() {
		return this.ports;
	}

	/** {@code spring.data.redis.cluster.nodes}: every node as {@code host:port}. */
	public String nodes() {
		return this.ports.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

	/**
	 * Sets {@code spring.data.redis.cluster.nodes} to this cluster, as production
	 * configures a service (for a test class's {@code @DynamicPropertySource}).
	 */
	public void addTo(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.cluster.nodes", this::nodes);
	}

	/**
	 * Sets the cluster client's settings of production
	 * ({@code spring.data.redis.lettuce.cluster.refresh.*} in
	 * {@code k8s/components/production/application.yaml}, read from the checkout): how
	 * the clients' view of the cluster follows a failover. A test of a failover runs with
	 * what production runs, and fails if those settings go.
	 */
	public static void addProductionClientSettingsTo(DynamicPropertyRegistry registry) {
		ProductionSettings.addTo(registry, "spring.data.redis.lettuce.cluster.refresh");
	}

	/**
	 * The index of the master that holds {@code key} (or a hash tag's content): the slots
	 * are split in three equal ranges, in node order.
	 */
	public int masterOf(String key) {
		return Math.min(SlotHash.getSlot(key) / (SLOTS / MASTERS), MASTERS - 1);
	}

	/** The nodes as Lettuce addresses. */
	public List<RedisURI> uris() {
		return this.ports.stream().map((port) -> RedisURI.create("127.0.0.1", port)).toList();
	}

	/**
	 * Freezes node {@code index} (SIGSTOP): it keeps its connections and answers nothing,
	 * as a hung node does, until {@link #thaw}. The cluster marks it failed after its
	 * node timeout (5 s; 3 s with replicas).
	 */
	public void freeze(int index) {
		signal(index, "STOP");
	}

	/**
	 * Kills node {@code index} (SIGKILL), as a crashed server or a lost machine: its
	 * clients' connections drop, and with {@link #startWithReplicas} its replica takes
	 * over its slots once the others have marked it failed (the 3 s node timeout).
	 */
	public void kill(int index) {
		signal(index, "KILL");
		try {
			this.nodes.get(index).waitFor();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The role node {@code index} reports ({@code ROLE}): {@code master} or
	 * {@code slave}. A test checks it before a kill: with a short node timeout a busy
	 * machine can fail a master over on its own, and the kill would then hit a replica.
	 */
	public String role(int index) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", this.ports.get(index)));
		try (StatefulRedisConnection<String, String> node = client.connect()) {
			return String.valueOf(node.sync().role().get(0));
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * Waits until master {@code index}'s replica ({@link #startWithReplicas}) has every
	 * write the master had when asked (its replication offset), so a test that kills the
	 * master next loses nothing to the asynchronous replication.
	 */
	public void awaitReplicated(int index, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		long masterOffset = replicationOffset(index, "master_repl_offset");
		while (replicationOffset(index + MASTERS, "slave_repl_offset") < masterOffset) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The replica of master " + this.ports.get(index)
						+ " did not reach offset " + masterOffset + " within " + timeout);
			}
			Thread.sleep(20);
		}
	}

	private long replicationOffset(int index, String field) {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", this.ports.get(index)));
		try (StatefulRedisConnection<String, String> node = client.connect()) {
			return node.sync()
				.info("replication")
				.lines()
				.filter((line) -> line.startsWith(field + ":"))
				.mapToLong((line) -> Long.parseLong(line.substring(field.length() + 1).trim()))
				.findFirst()
				.orElse(-1);
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * Waits until node {@code index} reports itself a master ({@code ROLE}) and every
	 * node still running reports {@code cluster_state:ok}, or {@code timeout} passed.
	 * @return how long it took
	 * @throws IllegalStateException if it did not happen within {@code timeout}
	 */
	public Duration awaitMaster(int index, Duration timeout) throws InterruptedException {
		long start = System.nanoTime();
		long deadline = start + timeout.toNanos();
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", this.ports.get(index)));
		try (StatefulRedisConnection<String, String> node = client.connect()) {
			while (!"master".equals(String.valueOf(node.sync().role().get(0)))) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("Redis Cluster node " + this.ports.get(index)
							+ " is no master after " + timeout + " (logs in " + this.dir + ")");
				}
				Thread.sleep(50);
			}
		}
		finally {
			client.shutdown();
		}
		for (int i = 0; i < this.ports.size(); i++) {
			if (this.nodes.get(i).isAlive()) {
				awaitClusterOk(this.ports.get(i), deadline);
			}
		}
		return Duration.ofNanos(System.nanoTime() - start);
	}

	/** Lets a frozen node go on (SIGCONT). */
	public void thaw(int index) {
		signal(index, "CONT");
	}

	private void signal(int index, String signal) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(this.nodes.get(index).pid()))
				.inheritIO()
				.start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill -" + signal + " of node " + index + " failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		stopNodes();
		try {
			Runtime.getRuntime().removeShutdownHook(this.onExit);
		}
		catch (IllegalStateException | IllegalArgumentException ex) {
			// shutting down already, or never registered
		}
	}

	private void stopLeftovers() throws IOException {
		if (Files.isDirectory(this.dir)) {
			try (Stream<Path> files = Files.list(this.dir)) {
				for (Path pidFile : files.filter((file) -> file.toString().endsWith(".pid")).toList()) {
					long pid = Long.parseLong(Files.readString(pidFile).trim());
					ProcessHandle.of(pid)
						.filter((process) -> process.info().command().orElse("").contains("redis-server"))
						.ifPresent(ProcessHandle::destroyForcibly);
				}
			}
			try (Stream<Path> files = Files.walk(this.dir)) {
				files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
			}
		}
		Files.createDirectories(this.dir);
	}

	private void startNodes(Path binary) throws IOException {
		Runtime.getRuntime().addShutdownHook(this.onExit);
		for (int port : this.ports) {
			assertPortFree(port);
			assertPortFree(port + 10000);
			Process node = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind",
					"127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
					"--cluster-node-timeout", Long.toString(this.nodeTimeout.toMillis()), "--save", "", "--appendonly",
					"no", "--dir", this.dir.toString())
				.redirectErrorStream(true)
				.redirectOutput(this.dir.resolve("redis-" + port + ".log").toFile())
				.start();
			this.nodes.add(node);
			Files.writeString(this.dir.resolve("redis-" + port + ".pid"), Long.toString(node.pid()));
		}
	}

	private void formCluster() throws InterruptedException {
		int slotsEach = SLOTS / MASTERS;
		for (int i = 0; i < MASTERS; i++) {
			int first = i * slotsEach;
			int last = (i == MASTERS - 1) ? SLOTS - 1 : first + slotsEach - 1;
			RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", this.ports.get(i)));
			try (StatefulRedisConnection<String, String> node = connectWithRetry(client)) {
				node.sync().clusterAddSlots(IntStream.rangeClosed(first, last).toArray());
				for (int other : this.ports) {
					node.sync().clusterMeet("127.0.0.1", other);
				}
			}
			finally {
				client.shutdown();
			}
		}
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		for (int port : this.ports) {
			awaitClusterOk(port, deadline);
		}
	}

	private void awaitClusterOk(int port, long deadline) throws InterruptedException {
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		try (StatefulRedisConnection<String, String> node = connectWithRetry(client)) {
			while (!node.sync().clusterInfo().contains("cluster_state:ok")) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("Redis Cluster node " + port + " not ok in time: "
							+ node.sync().clusterInfo() + " (logs in " + this.dir + ")");
				}
				Thread.sleep(100);
			}
		}
		finally {
			client.shutdown();
		}
	}

	/**
	 * Makes node {@code MASTERS + i} a replica of master {@code i} (once it has learned
	 * the master's id through the cluster's gossip) and waits until each has
	 * synchronised.
	 */
	private void addReplicas() throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		for (int i = 0; i < MASTERS; i++) {
			String masterId;
			RedisClient masterClient = RedisClient.create(RedisURI.create("127.0.0.1", this.ports.get(i)));
			try (StatefulRedisConnection<String, String> master = masterClient.connect()) {
				masterId = master.sync().clusterMyId();
			}
			finally {
				masterClient.shutdown();
			}
			int port = this.ports.get(MASTERS + i);
			RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
			try (StatefulRedisConnection<String, String> replica = connectWithRetry(client)) {
				while (true) {
					try {
						replica.sync().clusterReplicate(masterId);
						break;
					}
					catch (RuntimeException ex) {
						// ERR Unknown node: the replica has not heard of the master yet
						if (System.nanoTime() > deadline) {
							throw ex;
						}
						Thread.sleep(100);
					}
				}
				while (!replica.sync().info("replication").contains("master_link_status:up")) {
					if (System.nanoTime() > deadline) {
						throw new IllegalStateException("Redis Cluster replica " + port + " not synchronised: "
								+ replica.sync().info("replication") + " (logs in " + this.dir + ")");
					}
					Thread.sleep(100);
				}
			}
			finally {
				client.shutdown();
			}
		}
		for (int port : this.ports) {
			awaitClusterOk(port, deadline);
		}
	}

	private void stopNodes() {
		// a frozen node acts on SIGTERM only once it runs again
		for (int i = 0; i < this.nodes.size(); i++) {
			if (this.nodes.get(i).isAlive()) {
				try {
					signal(i, "CONT");
				}
				catch (RuntimeException ex) {
					// stopped forcibly below if it does not end
				}
			}
		}
		this.nodes.forEach(Process::destroy);
		for (Process node : this.nodes) {
			try {
				if (!node.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
					node.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				node.destroyForcibly();
			}
		}
		this.nodes.clear();
	}

	private static StatefulRedisConnection<String, String> connectWithRetry(RedisClient client)
			throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (true) {
			try {
				return client.connect();
			}
			catch (RuntimeException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				Thread.sleep(100);
			}
		}
	}

	private static void assertPortFree(int port) {
		try (ServerSocket socket = new ServerSocket(port)) {
			socket.setReuseAddress(true);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Port " + port + " is taken: a Redis Cluster test needs it", ex);
		}
	}

}
