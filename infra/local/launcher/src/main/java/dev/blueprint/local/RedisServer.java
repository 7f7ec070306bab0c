package dev.blueprint.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Redis: {@code redis-server} from the PATH when there is one, otherwise the Redis 6.2
 * binary that the redis-server module unpacks from Maven Central, so no system install is
 * needed. No persistence (everything Blueprint keeps in Redis is a cache, a limiter
 * window or presence, all rebuilt on their own), {@code maxmemory} with
 * {@code allkeys-lru} as the URL shortener's cache needs.
 */
final class RedisServer implements Component {

	private final StackSettings settings;

	RedisServer(StackSettings settings) {
		this.settings = settings;
	}

	@Override
	public String name() {
		return "redis";
	}

	@Override
	public int port() {
		return this.settings.redisPort();
	}

	@Override
	public List<Integer> ports() {
		return List.of(port());
	}

	@Override
	public ProcessBuilder command() throws IOException {
		Path data = this.settings.data(name());
		Files.createDirectories(data);
		return new ProcessBuilder(Launch.detached(List.of(binary().toString(), "--port", Integer.toString(port()),
				"--bind", "127.0.0.1", "--protected-mode", "yes", "--daemonize", "no", "--save", "", "--appendonly",
				"no", "--dir", data.toString(), "--maxmemory", this.settings.redisMaxMemory(), "--maxmemory-policy",
				"allkeys-lru", "--loglevel", "notice")));
	}

	@Override
	public Optional<String> probe() {
		return Probes.redis(port());
	}

	Path binary() throws IOException {
		return binary(this.settings.repoDir());
	}

	static Path binary(Path repoDir) throws IOException {
		Optional<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
			.filter((dir) -> !dir.isEmpty())
			.map((dir) -> Path.of(dir, "redis-server"))
			.filter(Files::isExecutable)
			.findFirst();
		if (onPath.isPresent()) {
			return onPath.get();
		}
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("mac") ? "darwin" : "linux";
		String arch = System.getProperty("os.arch").matches("aarch64|arm64") ? "arm64" : "amd64";
		Path dir = repoDir.resolve("infra/local/redis-server/target/redis-bin");
		try (Stream<Path> files = Files.list(dir)) {
			Path binary = files
				.filter((file) -> file.getFileName().toString().matches("redis-server-.*-" + os + "-" + arch))
				.findFirst()
				.orElseThrow(() -> new LauncherException("No redis-server on the PATH and no bundled binary for " + os
						+ "-" + arch + " in " + dir + ". Install Redis (apt-get install redis-server)."));
			binary.toFile().setExecutable(true);
			return binary;
		}
		catch (java.nio.file.NoSuchFileException ex) {
			throw new LauncherException("No redis-server on the PATH and " + dir
					+ " is missing: build first (./mvnw -DskipTests package) or install redis-server.");
		}
	}

}
