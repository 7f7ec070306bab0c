package dev.blueprint.ratelimit.benchmark;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.ToDoubleFunction;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.HdrHistogram.Histogram;

/**
 * Decisions per second and latency of Blueprint's token bucket against Bucket4j's, on one
 * Redis, side by side in one process: for each scenario (distinct keys or one hot key ×
 * thread count) every contender runs in turn against a flushed Redis, and the order of
 * the contenders is reversed every other round. Optionally, the client starter's remote
 * mode against its embedded mode.
 * <p>
 * Arguments ({@code --name value}): {@code redis-port} (16390), {@code threads} (16,64),
 * {@code keys} (100000), {@code warmup} and {@code measure} seconds (3, 5),
 * {@code rounds} (3), {@code service-url} and {@code jwt-secret} (remote mode; skipped
 * without them), {@code remote-warmup} seconds (20: a first, unreported run that warms
 * the service up), {@code only} (run only the contenders whose name contains it),
 * {@code out} (a file for the Markdown tables).
 */
public final class RateLimitBenchmark {

	private static final long MAX_LATENCY = TimeUnit.SECONDS.toNanos(60);

	private final Map<String, String> options;

	private final RedisCommands<String, String> admin;

	private final List<String> lines = new ArrayList<>();

	private RateLimitBenchmark(Map<String, String> options, RedisCommands<String, String> admin) {
		this.options = options;
		this.admin = admin;
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new HashMap<>();
		for (int i = 0; i + 1 < args.length; i += 2) {
			options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
		}
		int port = Integer.parseInt(options.getOrDefault("redis-port", "16390"));
		RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
		try (StatefulRedisConnection<String, String> admin = client.connect()) {
			RateLimitBenchmark benchmark = new RateLimitBenchmark(options, admin.sync());
			benchmark.run(client, port);
			String out = options.get("out");
			if (out != null) {
				Files.write(Path.of(out), benchmark.lines);
			}
		}
		finally {
			client.shutdown();
		}
	}

	private void run(RedisClient client, int port) throws Exception {
		List<Integer> threadCounts = Arrays.stream(this.options.getOrDefault("threads", "16,64").split(","))
			.map(Integer::parseInt)
			.toList();
		int distinctKeys = Integer.parseInt(this.options.getOrDefault("keys", "100000"));
		int rounds = Integer.parseInt(this.options.getOrDefault("rounds", "3"));
		print("Redis %s on port %d, %d processors, Java %s, %s",
				this.admin.info("server")
					.lines()
					.filter((line) -> line.startsWith("redis_version:"))
					.findFirst()
					.orElse("?"),
				port, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), Instant.now());
		print("warm-up %s s, measured %s s per run; token bucket of %,d refilled per %s, so every decision allows",
				this.options.getOrDefault("warmup", "3"), this.options.getOrDefault("measure", "5"),
				Contenders.CAPACITY, Contenders.REFILL);
		String only = this.options.getOrDefault("only", "").toLowerCase(Locale.ROOT);
		List<Contender> contenders = List
			.of(Contenders.blueprintScript(client), Contenders.blueprintCoalesced(client),
					Contenders.bucket4j(client, false), Contenders.bucket4j(client, true))
			.stream()
			.filter((contender) -> contender.name().toLowerCase(Locale.ROOT).contains(only))
			.toList();
		Map<Scenario, Map<String, List<Result>>> all = new LinkedHashMap<>();
		try {
			for (int round = 1; round <= rounds; round++) {
				List<Contender> order = new ArrayList<>(contenders);
				if (round % 2 == 0) {
					Collections.reverse(order);
				}
				for (int keys : List.of(distinctKeys, 1)) {
					for (int threads : threadCounts) {
						Scenario scenario = new Scenario(keys, threads);
						for (Contender contender : order) {
							Result result = measure(contender, keys, threads, round, seconds("warmup", 3));
							all.computeIfAbsent(scenario, (key) -> new LinkedHashMap<>())
								.computeIfAbsent(contender.name(), (key) -> new ArrayList<>())
								.add(result);
						}
					}
				}
			}
		}
		finally {
			for (Contender contender : contenders) {
				contender.close();
			}
		}
		print("");
		print("Median of %d rounds; the last column is the median, and in brackets the range, of the per-round ratio "
				+ "to the faster Bucket4j configuration of the same round.", rounds);
		print("");
		report(all, "Bucket4j");
		remoteMode(port, threadCounts, distinctKeys, rounds);
	}

	private void remoteMode(int port, List<Integer> threadCounts, int keys, int rounds) throws Exception {
		String serviceUrl = this.options.get("service-url");
		String secret = this.options.get("jwt-secret");
		if (serviceUrl == null || secret == null) {
			print("");
			print("(remote mode skipped: no --service-url and --jwt-secret)");
			return;
		}
		Map<Scenario, Map<String, List<Result>>> all = new LinkedHashMap<>();
		try (Contender embedded = Contenders.starterEmbedded(port);
				Contender remote = Contenders.starterRemote(URI.create(serviceUrl), secret)) {
			// the service's JIT warms up on this run, which is not reported
			measure(remote, keys, threadCounts.get(0), 0, seconds("remote-warmup", 20));
			for (int round = 1; round <= rounds; round++) {
				for (int threads : threadCounts) {
					List<Contender> order = (round % 2 == 1) ? List.of(embedded, remote) : List.of(remote, embedded);
					for (Contender contender : order) {
						Result result = measure(contender, keys, threads, round, seconds("warmup", 3));
						all.computeIfAbsent(new Scenario(keys, threads), (key) -> new LinkedHashMap<>())
							.computeIfAbsent(contender.name(), (key) -> new ArrayList<>())
							.add(result);
					}
				}
			}
		}
		print("");
		print("Remote mode: the client starter calling rate-limiter-service over HTTP vs deciding in-process "
				+ "(embedded); median of %d rounds, the last column relative to embedded.", rounds);
		print("");
		report(all, "starter, embedded");
	}

	private Result measure(Contender contender, int keys, int threads, int round, long warmupMillis) throws Exception {
		this.admin.flushall();
		String run = "r" + round + "-" + keys + "-" + threads + "-" + System.nanoTime();
		IntPredicate decider = contender.decider(run, keys);
		Worker[] workers = new Worker[threads];
		for (int i = 0; i < threads; i++) {
			workers[i] = new Worker(decider, keys);
			workers[i].start();
		}
		Thread.sleep(warmupMillis);
		this.admin.configResetstat();
		long start = System.nanoTime();
		for (Worker worker : workers) {
			worker.measuring = true;
		}
		Thread.sleep(seconds("measure", 5));
		for (Worker worker : workers) {
			worker.measuring = false;
		}
		long elapsed = System.nanoTime() - start;
		Map<String, Long> calls = scriptCalls();
		for (Worker worker : workers) {
			worker.running = false;
		}
		Histogram latency = new Histogram(MAX_LATENCY, 2);
		long allowed = 0;
		long denied = 0;
		long errors = 0;
		for (Worker worker : workers) {
			worker.join();
			latency.add(worker.latency);
			allowed += worker.allowed;
			denied += worker.denied;
			errors += worker.errors;
		}
		long decisions = allowed + denied;
		Result result = new Result(decisions * 1e9 / elapsed, latency.getValueAtPercentile(50) / 1e3,
				latency.getValueAtPercentile(99) / 1e3, allowed, denied, errors,
				(decisions > 0) ? calls.values().stream().mapToLong(Long::longValue).sum() / (double) decisions : 0);
		System.err.printf(Locale.ROOT, "  %-32s keys %-6d threads %-3d %s%n", contender.name(), keys, threads, result);
		return result;
	}

	private long seconds(String option, int fallback) {
		return (long) (Double.parseDouble(this.options.getOrDefault(option, Integer.toString(fallback))) * 1000);
	}

	// EVAL and EVALSHA calls since the statistics were reset: one per script call from
	// any client (Bucket4j's compare-and-swap is an EVAL, Blueprint's decision an
	// EVALSHA)
	private Map<String, Long> scriptCalls() {
		Map<String, Long> calls = new HashMap<>();
		for (String line : this.admin.info("commandstats").split("\r?\n")) {
			for (String command : List.of("eval", "evalsha")) {
				if (line.startsWith("cmdstat_" + command + ":calls=")) {
					String value = line.substring(line.indexOf('=') + 1, line.indexOf(','));
					calls.put(command, Long.parseLong(value));
				}
			}
		}
		return calls;
	}

	private void report(Map<Scenario, Map<String, List<Result>>> all, String baselinePrefix) {
		print("| keys | threads | contender | decisions/s | p50 µs | p99 µs | script calls per decision | allowed | errors | vs %s |",
				baselinePrefix.startsWith("Bucket4j") ? "best Bucket4j" : baselinePrefix);
		print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
		all.forEach((scenario, byContender) -> {
			int rounds = byContender.values().iterator().next().size();
			double[] baseline = new double[rounds];
			for (int round = 0; round < rounds; round++) {
				int r = round;
				baseline[round] = byContender.entrySet()
					.stream()
					.filter((entry) -> entry.getKey().startsWith(baselinePrefix))
					.mapToDouble((entry) -> entry.getValue().get(r).perSecond)
					.max()
					.orElse(Double.NaN);
			}
			byContender.forEach((name, results) -> {
				double[] ratios = new double[rounds];
				for (int round = 0; round < rounds; round++) {
					ratios[round] = results.get(round).perSecond / baseline[round];
				}
				long allowed = results.stream().mapToLong(Result::allowed).sum();
				long decided = allowed + results.stream().mapToLong(Result::denied).sum();
				String ratio = Double.isNaN(baseline[0]) ? "—" : String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)",
						median(ratios), Arrays.stream(ratios).min().orElse(0), Arrays.stream(ratios).max().orElse(0));
				print("| %s | %d | %s | %,.0f | %,.0f | %,.0f | %.2f | %.1f%% | %d | %s |",
						(scenario.keys == 1) ? "1 hot" : String.format(Locale.ROOT, "%,d", scenario.keys),
						scenario.threads, name, median(results, Result::perSecond), median(results, Result::p50Micros),
						median(results, Result::p99Micros), median(results, Result::scriptCallsPerDecision),
						100.0 * allowed / Math.max(1, decided), results.stream().mapToLong(Result::errors).sum(),
						ratio);
			});
		});
	}

	private static double median(List<Result> results, ToDoubleFunction<Result> value) {
		return median(results.stream().mapToDouble(value).toArray());
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	private void print(String format, Object... args) {
		String line = String.format(Locale.ROOT, format, args);
		System.out.println(line);
		this.lines.add(line);
	}

	private record Scenario(int keys, int threads) {
	}

	private record Result(double perSecond, double p50Micros, double p99Micros, long allowed, long denied, long errors,
			double scriptCallsPerDecision) {

		@Override
		public String toString() {
			return String.format(Locale.ROOT,
					"%,.0f/s p50 %.0f µs p99 %.0f µs, %.2f script calls/decision, %d denied, %d errors", this.perSecond,
					this.p50Micros, this.p99Micros, this.scriptCallsPerDecision, this.denied, this.errors);
		}

	}

	/** Takes decisions in a loop; counts and times them while {@code measuring}. */
	private static final class Worker extends Thread {

		private final IntPredicate decider;

		private final int keys;

		private final Histogram latency = new Histogram(MAX_LATENCY, 2);

		private volatile boolean running = true;

		private volatile boolean measuring;

		private long allowed;

		private long denied;

		private long errors;

		Worker(IntPredicate decider, int keys) {
			this.decider = decider;
			this.keys = keys;
			setDaemon(true);
		}

		@Override
		public void run() {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			while (this.running) {
				int key = (this.keys == 1) ? 0 : random.nextInt(this.keys);
				long start = System.nanoTime();
				boolean ok;
				try {
					ok = this.decider.test(key);
				}
				catch (RuntimeException ex) {
					if (this.measuring) {
						this.errors++;
					}
					continue;
				}
				long took = System.nanoTime() - start;
				if (this.measuring) {
					this.latency.recordValue(Math.min(took, MAX_LATENCY));
					if (ok) {
						this.allowed++;
					}
					else {
						this.denied++;
					}
				}
			}
		}

	}

}
