package dev.blueprint.local;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * One local stack: three real servers and six services sharing a state directory.
 * {@link #up} is idempotent (what runs is left alone), checks every port before starting
 * anything, and on any failure stops what it started in that call. {@link #down} stops
 * only processes recorded in this state directory.
 */
public final class LocalStack {

	private final StackSettings settings;

	private final Supervisor supervisor;

	private final Map<String, String> env;

	/** Guards {@link #startedHere} and {@link #aborted} against {@link #abort}. */
	private final Object starts = new Object();

	/** Every component the up calls of this object started, in order. */
	private final List<String> startedHere = new ArrayList<>();

	private boolean aborted;

	public LocalStack(StackSettings settings) {
		this(settings, System.getenv());
	}

	LocalStack(StackSettings settings, Map<String, String> env) {
		this.settings = settings;
		this.supervisor = new Supervisor(settings.stateDir());
		this.env = env;
	}

	public StackSettings settings() {
		return this.settings;
	}

	/**
	 * The {@code redis-server} the stack runs: the one on the PATH, else the bundled one
	 * under {@code repoDir} (for tests that start Redis in another shape, e.g. a
	 * cluster).
	 */
	public static Path redisServerBinary(Path repoDir) throws IOException {
		return RedisServer.binary(repoDir);
	}

	List<Component> infrastructure() {
		Path javaHome = Path.of(System.getProperty("java.home"));
		return List.of(new RedisServer(this.settings), new KafkaServer(this.settings, javaHome),
				new CassandraServer(this.settings, JavaRuntimes.forCassandra(this.env)));
	}

	List<Component> services() {
		return new ArrayList<>(
				ServiceProcess.all(this.settings, Path.of(System.getProperty("java.home")), jwtSecret()));
	}

	List<Component> everything() {
		List<Component> all = new ArrayList<>(infrastructure());
		all.addAll(services());
		return all;
	}

	/**
	 * Starts Redis, Kafka and Cassandra unless they already run, and waits until each
	 * answers a real request.
	 * @return the endpoints of the running servers
	 */
	public Endpoints upInfrastructure(PrintStream out) {
		up(infrastructure(), out);
		return endpoints();
	}

	/**
	 * Stops one server of the stack ({@code redis}, {@code kafka} or {@code cassandra}),
	 * as failure tests do; {@link #startServer} brings it back on the same port with the
	 * same data.
	 */
	public void stopServer(String name) {
		server(name);
		this.supervisor.stop(name, stopTimeout(name));
	}

	/**
	 * Freezes (SIGSTOP) or thaws (SIGCONT) one running server of the stack: a hung
	 * server, whose connections stay open and whose requests go unanswered, not a refused
	 * connection as after {@link #stopServer}.
	 */
	public void freezeServer(String name, boolean freeze) {
		server(name);
		long pid = this.supervisor.running(name)
			.orElseThrow(() -> new IllegalStateException(name + " is not running"))
			.pid();
		String signal = freeze ? "-STOP" : "-CONT";
		try {
			Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
			String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill " + signal + " " + pid + " failed: " + output);
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

	/** Starts one server of the stack unless it runs, and waits until it answers. */
	public void startServer(String name, PrintStream out) {
		up(List.of(server(name)), out);
	}

	private Component server(String name) {
		return infrastructure().stream()
			.filter((component) -> component.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("no server named '" + name + "'"));
	}

	public Endpoints endpoints() {
		return new Endpoints(this.settings.redisPort(), this.settings.kafkaBootstrapServers(),
				"127.0.0.1:" + this.settings.cassandraPort());
	}

	/** Starts the servers, then the services; returns the names started by this call. */
	List<String> upAll(PrintStream out) {
		// Every port first: a taken service port used to show only after the servers had
		// started (and were stopped again).
		checkPorts(everything());
		List<String> started = new ArrayList<>(up(infrastructure(), out));
		try {
			started.addAll(up(services(), out));
		}
		catch (RuntimeException ex) {
			stop(started, out);
			throw ex;
		}
		return started;
	}

	/**
	 * Brings the given components up together.
	 * @return names of the components this call started
	 */
	List<String> up(List<Component> components, PrintStream out) {
		List<Component> toStart = checkPorts(components);
		List<String> started = new ArrayList<>();
		long begin = System.nanoTime();
		try {
			for (Component component : toStart) {
				ProcessBuilder command = component.command();
				synchronized (this.starts) {
					if (this.aborted) {
						throw new LauncherException("Stopped while starting the stack");
					}
					TimerSlack.around(component.timerSlackNanos(),
							() -> this.supervisor.start(component.name(), command));
					started.add(component.name());
					this.startedHere.add(component.name());
				}
			}
			awaitReady(components, started, begin, out);
		}
		catch (IOException | RuntimeException ex) {
			stop(started, out);
			if (ex instanceof LauncherException launcher) {
				throw launcher;
			}
			throw new LauncherException("Start failed: " + ex.getMessage(), ex);
		}
		return started;
	}

	/**
	 * The components not running yet, once each of their ports is free.
	 * @throws LauncherException naming every port another process holds
	 */
	private List<Component> checkPorts(List<Component> components) {
		List<Component> toStart = components.stream()
			.filter((component) -> this.supervisor.running(component.name()).isEmpty())
			.toList();
		List<String> taken = new ArrayList<>();
		for (Component component : toStart) {
			for (int port : component.ports()) {
				if (Probes.portInUse(port)) {
					taken.add("port " + port + " (" + component.name() + ")");
				}
			}
		}
		if (!taken.isEmpty()) {
			throw new LauncherException("Already in use by another process: " + String.join(", ", taken)
					+ ". Nothing was started. Stop that process, or run this stack on other ports with "
					+ "BLUEPRINT_PORT_OFFSET.");
		}
		return toStart;
	}

	private void awaitReady(List<Component> components, List<String> started, long begin, PrintStream out) {
		ExecutorService pool = Executors.newFixedThreadPool(components.size());
		try {
			List<Future<String>> results = new ArrayList<>();
			for (Component component : components) {
				boolean already = !started.contains(component.name());
				results.add(pool.submit(() -> awaitReady(component, already, begin)));
			}
			List<String> failures = new ArrayList<>();
			for (int i = 0; i < components.size(); i++) {
				try {
					out.println(results.get(i).get());
				}
				catch (java.util.concurrent.ExecutionException ex) {
					failures.add(ex.getCause().getMessage());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new LauncherException("Interrupted while waiting for the stack");
				}
			}
			if (!failures.isEmpty()) {
				throw new LauncherException(String.join("\n\n", failures));
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private String awaitReady(Component component, boolean alreadyRunning, long begin) throws InterruptedException {
		long deadline = System.nanoTime() + component.startTimeout().toNanos();
		while (System.nanoTime() < deadline) {
			Optional<String> ready = component.probe();
			if (ready.isPresent()) {
				return alreadyRunning ? String.format("  %-22s already running  (%s)", component.name(), ready.get())
						: String.format("  %-22s ready in %5.1f s  (%s)", component.name(), seconds(begin),
								ready.get());
			}
			if (this.supervisor.running(component.name()).isEmpty()) {
				throw new LauncherException(component.name() + " exited during start-up. Last lines of "
						+ this.supervisor.logFile(component.name()) + ":\n"
						+ this.supervisor.tail(component.name(), 30));
			}
			Thread.sleep(250);
		}
		throw new LauncherException(component.name() + " was not ready within " + component.startTimeout().toSeconds()
				+ " s. Last lines of " + this.supervisor.logFile(component.name()) + ":\n"
				+ this.supervisor.tail(component.name(), 30));
	}

	private static double seconds(long begin) {
		return (System.nanoTime() - begin) / 1e9;
	}

	/**
	 * Stops every process recorded in this state directory: services first, then the
	 * servers.
	 */
	public void down(PrintStream out) {
		List<String> recorded = this.supervisor.recorded();
		stopTogether(recorded.stream().filter(Reaper.NAME::equals).toList(), out);
		stopTogether(recorded.stream().filter(ServiceProcess.DEFAULT_PORTS::containsKey).toList(), out);
		stopTogether(recorded.stream()
			.filter((name) -> !name.equals(Reaper.NAME) && !ServiceProcess.DEFAULT_PORTS.containsKey(name))
			.toList(), out);
	}

	/**
	 * Stops every component this object's up calls started, and refuses any further
	 * start: for a launcher stopped (Ctrl-C, SIGTERM) while it was still bringing the
	 * stack up, or after it brought it up in the foreground. An up call that is waiting
	 * for a component then fails, as the component exits.
	 * @return the names it stopped
	 */
	List<String> abort(PrintStream out) {
		List<String> started;
		synchronized (this.starts) {
			this.aborted = true;
			started = List.copyOf(this.startedHere);
		}
		stop(started, out);
		return started;
	}

	/** Stops the named processes, services before servers. */
	void stop(List<String> names, PrintStream out) {
		stopTogether(names.stream().filter(ServiceProcess.DEFAULT_PORTS::containsKey).toList(), out);
		stopTogether(names.stream().filter((name) -> !ServiceProcess.DEFAULT_PORTS.containsKey(name)).toList(), out);
	}

	private void stopTogether(List<String> names, PrintStream out) {
		List<Thread> stoppers = names.stream().map((name) -> new Thread(() -> {
			if (this.supervisor.stop(name, stopTimeout(name))) {
				out.println("  stopped " + name);
			}
		})).toList();
		stoppers.forEach(Thread::start);
		for (Thread stopper : stoppers) {
			try {
				stopper.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private Duration stopTimeout(String name) {
		return name.equals("cassandra") ? Duration.ofSeconds(30) : Duration.ofSeconds(20);
	}

	/** Name, pid, port, state and RSS of each process of the stack. */
	List<ProcessStatus> status() {
		List<ProcessStatus> rows = new ArrayList<>();
		for (Component component : everything()) {
			Optional<ProcessHandle> handle = this.supervisor.running(component.name());
			String health;
			if (handle.isEmpty()) {
				health = "-";
			}
			else if (component instanceof ServiceProcess service) {
				health = Probes.healthStatus(service.port());
			}
			else {
				health = component.probe().map((detail) -> "UP (" + detail + ")").orElse("NOT READY");
			}
			rows.add(new ProcessStatus(component.name(), handle.map(ProcessHandle::pid).orElse(-1L), component.port(),
					handle.isPresent(), health, handle.map(Supervisor::rssMiB).orElse(-1L)));
		}
		return rows;
	}

	Supervisor supervisor() {
		return this.supervisor;
	}

	/**
	 * The HMAC key every service of this stack accepts: {@code BLUEPRINT_JWT_HMAC_SECRET}
	 * if set, otherwise a random key created once per state directory (readable only by
	 * its owner).
	 */
	public String jwtSecret() {
		String configured = this.env.get("BLUEPRINT_JWT_HMAC_SECRET");
		if (configured != null && !configured.isBlank()) {
			return configured;
		}
		Path file = this.settings.stateDir().resolve("jwt-hmac-secret");
		try {
			if (!Files.isRegularFile(file)) {
				Files.createDirectories(file.getParent());
				byte[] key = new byte[32];
				new SecureRandom().nextBytes(key);
				Path tmp = Files.createTempFile(file.getParent(), "jwt", ".tmp",
						PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
				Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(key));
				Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
			}
			return Files.readString(file).trim();
		}
		catch (IOException ex) {
			throw new LauncherException("Cannot read or create " + file + ": " + ex.getMessage(), ex);
		}
	}

	/** Deletes the data of a stopped stack (data, logs, configs, key, jar copies). */
	void purge() throws IOException {
		if (!this.supervisor.recorded().isEmpty()) {
			throw new LauncherException("The stack still has processes; run down first.");
		}
		if (Files.isDirectory(this.settings.stateDir())) {
			try (Stream<Path> paths = Files.walk(this.settings.stateDir())) {
				for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
					Files.delete(path);
				}
			}
		}
	}

	/**
	 * Connection details of the running servers.
	 *
	 * @param redisPort Redis on 127.0.0.1
	 * @param kafkaBootstrapServers Kafka bootstrap servers
	 * @param cassandraContactPoint Cassandra host:port (local datacenter
	 * {@code datacenter1})
	 */
	public record Endpoints(int redisPort, String kafkaBootstrapServers, String cassandraContactPoint) {
	}

	record ProcessStatus(String name, long pid, int port, boolean running, String health, long rssMiB) {
	}

}
