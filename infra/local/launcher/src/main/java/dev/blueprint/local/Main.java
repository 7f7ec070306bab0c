package dev.blueprint.local;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The command line behind {@code ./suite}. Verbs: {@code up [-d] [--watch-pid PID]},
 * {@code down}, {@code ps}, {@code logs NAME [--no-follow]}, {@code infra up|down|ps},
 * {@code token USER [--ttl
 * DURATION]}, {@code purge}, and the hidden {@code reap PID}.
 */
public final class Main {

	private static final String USAGE = """
			usage: ./suite <command>
			  up [-d]            start Redis, Kafka, Cassandra and the six services; wait until healthy.
			                     Foreground by default (Ctrl-C stops what it started); -d detaches.
			  down               stop everything this stack started
			  ps                 name, pid, port, health and memory of every process
			  logs NAME          show and follow a process's log (--no-follow to just print the tail)
			  infra up|down|ps   the same for Redis, Kafka and Cassandra alone
			  token USER         print a JWT for USER signed with this stack's key (--ttl 24h)
			  purge              delete the stopped stack's data, logs, key and jar copies
			environment: BLUEPRINT_STATE_DIR (default .suite), BLUEPRINT_PORT_OFFSET (default 0),
			  BLUEPRINT_CASSANDRA_JAVA_HOME, BLUEPRINT_{CASSANDRA,KAFKA,SERVICE}_HEAP, BLUEPRINT_REDIS_MAXMEMORY,
			  BLUEPRINT_JWT_HMAC_SECRET
			""";

	private static final Set<String> HELP = Set.of("help", "-h", "--help");

	/**
	 * Every verb that acts on a stack, in the usage's order; {@code ./suite}'s
	 * {@code stack_command} lists the same (SuiteScriptTests ties them).
	 */
	private static final Map<String, Command> COMMANDS = commands();

	/** One verb: runs it on {@code main} with the arguments after the verb. */
	@FunctionalInterface
	private interface Command {

		int run(Main main, List<String> args) throws InterruptedException;

	}

	private final LocalStack stack;

	private final PrintStream out;

	Main(LocalStack stack, PrintStream out) {
		this.stack = stack;
		this.out = out;
	}

	public static void main(String[] args) {
		Path repo = Path.of(System.getenv().getOrDefault("BLUEPRINT_REPO_DIR", ".")).toAbsolutePath().normalize();
		System.exit(execute(List.of(args), repo, System.getenv(), System.out, System.err));
	}

	/**
	 * Runs one command line; its exit code. Help, no command and an unknown command are
	 * answered before the environment is read, so a bad setting cannot hide the usage.
	 */
	static int execute(List<String> args, Path repo, Map<String, String> env, PrintStream out, PrintStream err) {
		OptionalInt answered = withoutStack(args, out, err);
		if (answered.isPresent()) {
			return answered.getAsInt();
		}
		try {
			LocalStack stack = new LocalStack(StackSettings.fromEnvironment(repo, env), env);
			return new Main(stack, out).run(args);
		}
		catch (LauncherException ex) {
			err.println("suite: " + ex.getMessage());
			return 1;
		}
		catch (IllegalArgumentException ex) {
			err.println("suite: " + ex.getMessage());
			return 2;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return 130;
		}
	}

	/** The exit code of a command line that needs no stack, or empty. */
	private static OptionalInt withoutStack(List<String> args, PrintStream out, PrintStream err) {
		if (args.isEmpty()) {
			out.print(USAGE);
			return OptionalInt.of(2);
		}
		String command = args.get(0);
		if (HELP.contains(command)) {
			out.print(USAGE);
			return OptionalInt.of(0);
		}
		if (!COMMANDS.containsKey(command)) {
			err.print("suite: unknown command '" + command + "'\n" + USAGE);
			return OptionalInt.of(2);
		}
		return OptionalInt.empty();
	}

	private static Map<String, Command> commands() {
		Map<String, Command> commands = new LinkedHashMap<>();
		commands.put("up", Main::up);
		commands.put("down", (main, args) -> main.down());
		commands.put("ps", (main, args) -> main.ps(false));
		commands.put("logs", Main::logs);
		commands.put("infra", Main::infra);
		commands.put("token", Main::token);
		commands.put("purge", (main, args) -> main.purge());
		commands.put("reap", Main::reap);
		return Collections.unmodifiableMap(commands);
	}

	/** The verbs that act on a stack. */
	static Set<String> commandNames() {
		return COMMANDS.keySet();
	}

	/** Runs a command that needs the stack: one of {@link #COMMANDS}. */
	private int run(List<String> args) throws InterruptedException {
		return COMMANDS.get(args.get(0)).run(this, args.subList(1, args.size()));
	}

	private int down() {
		this.stack.down(this.out);
		this.out.println("stack at " + this.stack.settings().stateDir() + " is down");
		return 0;
	}

	private int purge() {
		try {
			this.stack.purge();
		}
		catch (IOException ex) {
			throw new LauncherException("purge failed: " + ex.getMessage(), ex);
		}
		return 0;
	}

	/**
	 * Started by {@link Reaper#watch}: stops the stack once the process it watches is
	 * gone.
	 */
	private int reap(List<String> args) throws InterruptedException {
		if (args.size() != 1) {
			throw new IllegalArgumentException("usage: ./suite reap PID (started by up --watch-pid PID)");
		}
		Reaper.run(this.stack, pid(args.get(0)), this.out);
		return 0;
	}

	private int up(List<String> args) throws InterruptedException {
		boolean detach = args.contains("-d") || args.contains("--detach");
		Optional<Long> watch = option(args, "--watch-pid").map(Main::pid);
		long begin = System.nanoTime();
		// Installed before anything starts: Ctrl-C or SIGTERM while the stack comes up (a
		// minute or two) stops what this run started so far. Every process runs in a
		// session of its own (setsid), so the terminal's SIGINT reaches only this one.
		CountDownLatch stopped = new CountDownLatch(1);
		// Set before the hook stops anything: what exits from then on is not unexpected.
		AtomicBoolean stopping = new AtomicBoolean();
		Thread hook = new Thread(() -> {
			stopping.set(true);
			this.out.println("\nStopping...");
			this.stack.abort(this.out);
			stopped.countDown();
		});
		Runtime.getRuntime().addShutdownHook(hook);
		this.out.println("Starting the Blueprint stack (state in " + this.stack.settings().stateDir() + ")");
		List<String> started;
		try {
			started = this.stack.upAll(this.out);
		}
		catch (RuntimeException ex) {
			// upAll stopped what it started; nothing is left for the hook
			forget(hook);
			throw ex;
		}
		this.out.printf("All healthy in %.1f s.%n%n", (System.nanoTime() - begin) / 1e9);
		printEndpoints();
		watch.ifPresent((pid) -> Reaper.watch(this.stack, pid));
		if (detach || started.isEmpty()) {
			forget(hook);
		}
		if (detach) {
			this.out.println("\nRunning in the background: ./suite ps, ./suite logs NAME, ./suite down.");
			return 0;
		}
		if (started.isEmpty()) {
			this.out.println("\nEverything was already running (started by an earlier ./suite up -d): nothing to do.");
			return 0;
		}
		return foreground(started, hook, stopped, stopping);
	}

	private int foreground(List<String> started, Thread hook, CountDownLatch stopped, AtomicBoolean stopping)
			throws InterruptedException {
		// Exit through the hook on SIGINT. A shell without job control starts
		// background commands with SIGINT ignored; the JVM then keeps it ignored
		// (this call changes nothing), so such a stack stops on SIGTERM (kill PID),
		// not on kill -INT.
		sun.misc.Signal.handle(new sun.misc.Signal("INT"), (signal) -> System.exit(130));
		this.out.println("\nPress Ctrl-C to stop everything started here.");
		Set<String> reported = new java.util.HashSet<>();
		while (stopped.getCount() > 0) {
			for (String name : started) {
				// stopping is read after the process is seen gone: a process the
				// hook stops is gone only after stopping is set
				if (this.stack.supervisor().running(name).isEmpty() && !stopping.get() && reported.add(name)) {
					this.out.println(name + " exited unexpectedly; see ./suite logs " + name);
				}
			}
			if (reported.size() == started.size()) {
				// ./suite down in another terminal, or every process failed: nothing is
				// left to stop.
				this.out.println("Nothing started here is running any more.");
				forget(hook);
				return 0;
			}
			Thread.sleep(2000);
		}
		return 0;
	}

	/** Removes the stop hook, unless the JVM is already running it. */
	private static void forget(Thread hook) {
		try {
			Runtime.getRuntime().removeShutdownHook(hook);
		}
		catch (IllegalStateException ex) {
			// shutting down: the hook runs
		}
	}

	private void printEndpoints() {
		StackSettings settings = this.stack.settings();
		this.out.println("Endpoints:");
		for (Component service : this.stack.services()) {
			this.out.printf("  %-22s http://127.0.0.1:%d  (health: /actuator/health)%n", service.name(),
					service.port());
		}
		this.out.printf("  %-22s ws://127.0.0.1:%d/ws  (STOMP), /sockjs (SockJS)%n", "chat WebSocket",
				ServiceProcess.DEFAULT_PORTS.get("chat-gateway") + settings.portOffset());
		this.out.printf("  %-22s http://127.0.0.1:%d/  (sign in with any user name)%n", "chat web page",
				ServiceProcess.DEFAULT_PORTS.get("chat-gateway") + settings.portOffset());
		this.out.printf("  %-22s 127.0.0.1:%d%n", "redis", settings.redisPort());
		this.out.printf("  %-22s %s%n", "kafka", settings.kafkaBootstrapServers());
		this.out.printf("  %-22s 127.0.0.1:%d (datacenter1)%n", "cassandra", settings.cassandraPort());
		this.out.println("A token for the APIs: ./suite token alice");
	}

	private int ps(boolean infraOnly) {
		List<LocalStack.ProcessStatus> rows = this.stack.status();
		this.out.printf("%-22s %8s %6s  %-8s %8s  %s%n", "NAME", "PID", "PORT", "STATE", "RSS", "HEALTH");
		long total = 0;
		int running = 0;
		for (LocalStack.ProcessStatus row : rows) {
			if (infraOnly && ServiceProcess.DEFAULT_PORTS.containsKey(row.name())) {
				continue;
			}
			this.out.printf("%-22s %8s %6d  %-8s %8s  %s%n", row.name(), row.running() ? row.pid() : "-", row.port(),
					row.running() ? "running" : "stopped", (row.rssMiB() >= 0) ? row.rssMiB() + " MiB" : "-",
					row.health());
			if (row.running()) {
				running++;
				total += Math.max(0, row.rssMiB());
			}
		}
		this.out.printf("%d running, %d MiB RSS in total%n", running, total);
		return 0;
	}

	private int infra(List<String> args) {
		String verb = args.isEmpty() ? "" : args.get(0);
		switch (verb) {
			case "up" -> {
				Optional<Long> watch = option(args, "--watch-pid").map(Main::pid);
				long begin = System.nanoTime();
				this.stack.up(this.stack.infrastructure(), this.out);
				this.out.printf("Infrastructure ready in %.1f s.%n", (System.nanoTime() - begin) / 1e9);
				watch.ifPresent((pid) -> Reaper.watch(this.stack, pid));
				return 0;
			}
			case "down" -> {
				this.stack.stop(this.stack.infrastructure().stream().map(Component::name).toList(), this.out);
				return 0;
			}
			case "ps" -> {
				return ps(true);
			}
			default -> throw new IllegalArgumentException("usage: ./suite infra up|down|ps");
		}
	}

	private int token(List<String> args) {
		if (args.isEmpty()) {
			throw new IllegalArgumentException("usage: ./suite token USER [--ttl 24h]");
		}
		Duration ttl = option(args, "--ttl").map(Main::duration).orElse(Duration.ofHours(24));
		this.out.println(HmacJwt.mint(this.stack.jwtSecret(), args.get(0), Instant.now(), ttl));
		return 0;
	}

	private int logs(List<String> args) throws InterruptedException {
		if (args.isEmpty()) {
			throw new IllegalArgumentException("usage: ./suite logs NAME [--no-follow]");
		}
		String name = args.get(0);
		List<String> known = new ArrayList<>(this.stack.everything().stream().map(Component::name).toList());
		if (!known.contains(name)) {
			throw new IllegalArgumentException("unknown process '" + name + "'; one of " + String.join(", ", known));
		}
		Path log = this.stack.supervisor().logFile(name);
		this.out.println(this.stack.supervisor().tail(name, 100));
		if (args.contains("--no-follow") || !Files.isRegularFile(log)) {
			return 0;
		}
		try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
			long position = file.length();
			while (true) {
				long length = file.length();
				if (length < position) {
					position = 0;
				}
				if (length > position) {
					byte[] chunk = new byte[(int) Math.min(length - position, 1 << 20)];
					file.seek(position);
					file.readFully(chunk);
					position += chunk.length;
					this.out.print(new String(chunk, StandardCharsets.UTF_8));
					this.out.flush();
				}
				Thread.sleep(500);
			}
		}
		catch (IOException ex) {
			throw new LauncherException("cannot read " + log + ": " + ex.getMessage(), ex);
		}
	}

	private static Optional<String> option(List<String> args, String name) {
		int index = args.indexOf(name);
		if (index < 0) {
			return Optional.empty();
		}
		if (index + 1 >= args.size()) {
			throw new IllegalArgumentException(name + " needs a value");
		}
		return Optional.of(args.get(index + 1));
	}

	static long pid(String text) {
		if (text.matches("[1-9][0-9]{0,17}")) {
			return Long.parseLong(text);
		}
		throw new IllegalArgumentException("a process id must be a positive number, was '" + text + "'");
	}

	static Duration duration(String text) {
		java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(\\d{1,9})([smhd])").matcher(text);
		if (!matcher.matches()) {
			throw new IllegalArgumentException("duration must look like 30m, 24h or 7d, was '" + text + "'");
		}
		long amount = Long.parseLong(matcher.group(1));
		return switch (matcher.group(2)) {
			case "s" -> Duration.ofSeconds(amount);
			case "m" -> Duration.ofMinutes(amount);
			case "h" -> Duration.ofHours(amount);
			default -> Duration.ofDays(amount);
		};
	}

}
