package dev.blueprint.ratelimit.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.blueprint.ratelimit.core.Algorithm;
import dev.blueprint.ratelimit.core.Limit;
import dev.blueprint.ratelimit.core.RateLimitKeys;
import dev.blueprint.ratelimit.core.RateLimitStore;
import dev.blueprint.ratelimit.core.RateLimitStoreContract;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract against a real three-master Redis Cluster that this test starts
 * itself (the same redis-server binary the launcher uses, in cluster mode) and stops
 * afterwards: hash-tagged keys mean no decision ever spans two slots.
 */
class RedisClusterContractIntegrationTests extends RateLimitStoreContract {

	// the test servers' port offset (11000 in the brief) + 7100: away from the shared
	// stacks
	private static final int FIRST_PORT = 18100;

	private static final List<Process> nodes = new ArrayList<>();

	private static Path dir;

	private static RedisClusterClient client;

	private static StatefulRedisClusterConnection<String, String> connection;

	private static RedisRateLimitStore store;

	@BeforeAll
	static void startCluster() throws Exception {
		Path binary = redisBinary();
		dir = Files.createTempDirectory("ratelimit-cluster");
		List<Integer> ports = IntStream.range(0, 3).map((i) -> FIRST_PORT + i).boxed().toList();
		for (int port : ports) {
			assertPortFree(port);
			assertPortFree(port + 10000);
			nodes.add(new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
					"--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf", "--save", "",
					"--appendonly", "no", "--dir", dir.toString())
				.redirectErrorStream(true)
				.redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
				.start());
		}
		int[][] slots = { { 0, 5460 }, { 5461, 10922 }, { 10923, 16383 } };
		for (int i = 0; i < 3; i++) {
			RedisClient node = RedisClient.create(RedisURI.create("127.0.0.1", ports.get(i)));
			try (StatefulRedisConnection<String, String> c = connectWithRetry(node)) {
				c.sync().clusterAddSlots(IntStream.rangeClosed(slots[i][0], slots[i][1]).toArray());
				for (int other : ports) {
					c.sync().clusterMeet("127.0.0.1", other);
				}
			}
			finally {
				node.shutdown();
			}
		}
		awaitClusterOk(ports);
		client = RedisClusterClient
			.create(ports.stream().map((port) -> RedisURI.create("127.0.0.1", port)).collect(Collectors.toList()));
		connection = client.connect();
		store = new RedisRateLimitStore(connection.sync());
	}

	@AfterAll
	static void stopCluster() throws IOException {
		if (connection != null) {
			connection.close();
			client.shutdown();
		}
		nodes.forEach(Process::destroy);
		for (Process node : nodes) {
			try {
				node.waitFor();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		if (dir != null) {
			try (Stream<Path> files = Files.walk(dir)) {
				files.sorted((a, b) -> b.compareTo(a)).forEach((file) -> file.toFile().delete());
			}
		}
	}

	@Override
	protected RateLimitStore store() {
		return store;
	}

	@Test
	void decisionsForDifferentSubjectsLandOnEveryMaster() {
		Set<String> masters = IntStream.range(0, 60)
			.mapToObj((i) -> RateLimitKeys.bucket("spread", "subject-" + i))
			.map((bucket) -> {
				Limit limit = Limit.of(Algorithm.TOKEN_BUCKET, 5, Duration.ofMinutes(1));
				assertThat(store.acquire(bucket, List.of(limit), 1).allowed()).isTrue();
				int slot = SlotHash.getSlot(RateLimitKeys.stateKey(bucket, limit));
				return connection.getPartitions().getPartitionBySlot(slot).getNodeId();
			})
			.collect(Collectors.toSet());
		assertThat(masters).hasSize(3);
	}

	private static StatefulRedisConnection<String, String> connectWithRetry(RedisClient node) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (true) {
			try {
				return node.connect();
			}
			catch (RuntimeException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				Thread.sleep(100);
			}
		}
	}

	private static void awaitClusterOk(List<Integer> ports) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		for (int port : ports) {
			RedisClient node = RedisClient.create(RedisURI.create("127.0.0.1", port));
			try (StatefulRedisConnection<String, String> c = node.connect()) {
				while (!c.sync().clusterInfo().contains("cluster_state:ok")) {
					assertThat(System.nanoTime()).as("cluster state ok on " + port).isLessThan(deadline);
					Thread.sleep(100);
				}
			}
			finally {
				node.shutdown();
			}
		}
	}

	private static void assertPortFree(int port) {
		try (ServerSocket socket = new ServerSocket(port)) {
			socket.setReuseAddress(true);
		}
		catch (IOException ex) {
			throw new IllegalStateException(
					"Port " + port + " is taken; the cluster test needs 18100-18102 and 28100-28102", ex);
		}
	}

	// As the launcher's RedisServer.binary(): redis-server on the PATH, else the bundled
	// one.
	private static Path redisBinary() throws IOException {
		for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
			Path candidate = Path.of(entry, "redis-server");
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		Path repo = Path.of(System.getProperty("blueprint.repo.dir", "../.."));
		Path bundled = repo.resolve("infra/local/redis-server/target/redis-bin");
		String arch = System.getProperty("os.arch").contains("aarch64") ? "linux-arm64" : "linux-amd64";
		try (Stream<Path> files = Files.list(bundled)) {
			Path binary = files.filter((file) -> file.getFileName().toString().endsWith(arch))
				.findFirst()
				.orElseThrow(() -> new IllegalStateException("No redis-server on the PATH or in " + bundled));
			binary.toFile().setExecutable(true);
			return binary;
		}
	}

}
