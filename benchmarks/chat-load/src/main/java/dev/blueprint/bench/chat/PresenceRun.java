package dev.blueprint.bench.chat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import tools.jackson.databind.JsonNode;

/**
 * Presence fan-out cost: {@code clients} users in groups of {@code contacts} + 1, so
 * every user has exactly {@code contacts} contacts, all connected and subscribed to
 * {@code /user/queue/presence}. Each step changes presence at a fixed open-loop rate
 * ({@code rates}, changes per second): the i-th change is due at {@code start + i / rate}
 * and is a {@code PUT /api/v1/presence/me} by user {@code i mod clients}, alternating
 * that user between away and online, so every change is visible and must reach all of the
 * user's contacts. Per step: changes made, deliveries expected (changes × contacts) and
 * received, deliveries per second, latency from the change's due time to the contact's
 * frame, the PUT's own latency, and CPU milliseconds per change of every process of the
 * stack ({@code state-dir}/run/*.pid) and of this generator — all of it, and above what
 * the stack burns with every client connected and nothing changing (measured for
 * {@code idle-seconds} after the warm-up).
 */
final class PresenceRun implements LoadClient.Frames {

	/** What one step changed and what came back. */
	static final class Step {

		final String name;

		final int rate;

		final LongAdder changes = new LongAdder();

		final LongAdder expected = new LongAdder();

		final LongAdder delivered = new LongAdder();

		final Latencies deliveries = new Latencies();

		final Latencies puts = new Latencies();

		final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

		final Map<String, Double> cpuMillis = new LinkedHashMap<>();

		final Map<String, Double> marginalCpuMillis = new LinkedHashMap<>();

		volatile double achievedRate;

		volatile double seconds;

		volatile long maxLagNanos;

		Step(String name, int rate) {
			this.name = name;
			this.rate = rate;
		}

		/** Each (contact, user, change) counted once: a repeated push is a duplicate. */
		final Set<String> seen = ConcurrentHashMap.newKeySet();

		final LongAdder duplicates = new LongAdder();

		long lost() {
			return Math.max(0, this.expected.sum() - this.delivered.sum());
		}

		/**
		 * Pushes beyond those expected: a PUT that failed here (a timeout) but was
		 * applied.
		 */
		long extra() {
			return Math.max(0, this.delivered.sum() - this.expected.sum());
		}

		String failureSummary() {
			Map<String, Long> sorted = new TreeMap<>();
			this.failures.forEach((cause, count) -> sorted.put(cause, count.sum()));
			return sorted.isEmpty() ? "none" : sorted.toString();
		}

	}

	/**
	 * A user's latest change: its step, due time and the status the contacts should see.
	 */
	private record Change(int step, long number, long due, String status) {
	}

	private final ChatLoad load;

	private final Options options;

	private final StackCpu cpu;

	private final Prometheus prometheus;

	private final List<Step> steps = new ArrayList<>();

	private final Map<String, Change> latest = new ConcurrentHashMap<>();

	private final LongAdder unmatched = new LongAdder();

	private final AtomicLong lastFrameNanos = new AtomicLong();

	private final LongAdder frames = new LongAdder();

	private int contacts;

	/** CPU milliseconds per second of each process with no changes at all, or empty. */
	private final Map<String, Double> idleCpuPerSecond = new TreeMap<>();

	private volatile int current;

	PresenceRun(ChatLoad load, Options options) {
		this.load = load;
		this.options = options;
		this.cpu = new StackCpu(options.get("state-dir"));
		this.prometheus = new Prometheus(load.http);
	}

	int run() throws Exception {
		this.contacts = this.options.integer("contacts");
		int size = this.contacts + 1;
		List<String> users = this.load.users(this.options.integer("clients") / size * size);
		List<LoadClient> clients = users.stream().map((user) -> new LoadClient(user, this, true)).toList();
		long started = System.nanoTime();
		// Conversations first: a gateway learns a user's contacts when the user connects.
		List<ChatLoad.Conversation> groups = this.load.createConversations(clients, size);
		System.out.printf("%d groups of %d created in %.1f s: every user has %d contacts%n", groups.size(), size,
				(System.nanoTime() - started) / 1e9, this.contacts);
		started = System.nanoTime();
		ChatLoad.Connected connected = this.load.connect(clients);
		System.out.printf("%d clients connected and subscribed in %.1f s, %d failed %s%n", connected.ok(),
				(System.nanoTime() - started) / 1e9, connected.failed(), connected.failures());
		if (connected.failed() > 0) {
			clients.forEach(LoadClient::close);
			return 1;
		}
		settle();
		List<String> tokens = users.stream().map(this.load::token).toList();
		this.steps.add(new Step("warm-up", this.options.integer("warmup-rate")));
		for (String rate : this.options.list("rates")) {
			this.steps.add(new Step(rate + "/s", Integer.parseInt(rate)));
		}
		String gatewayMetrics = this.options.list("metrics").stream().findFirst().orElse("");
		long[] cursor = { 0 };
		for (int i = 0; i < this.steps.size(); i++) {
			Step step = this.steps.get(i);
			int seconds = this.options.integer((i == 0) ? "warmup-seconds" : "step-seconds");
			if (seconds <= 0) {
				continue;
			}
			this.current = i;
			Map<String, Long> cpuBefore = this.cpu.ticks();
			Map<String, Double> before = gatewayMetrics.isEmpty() ? Map.of() : this.prometheus.scrape(gatewayMetrics);
			long stepStart = System.nanoTime();
			change(i, step, users, tokens, seconds, cursor);
			drain(step);
			step.seconds = (System.nanoTime() - stepStart) / 1e9;
			long changes = Math.max(1, step.changes.sum());
			StackCpu.millisPer(cpuBefore, this.cpu.ticks(), changes).forEach((name, perChange) -> {
				step.cpuMillis.put(name, perChange);
				if (this.idleCpuPerSecond.containsKey(name)) {
					step.marginalCpuMillis.put(name,
							perChange - this.idleCpuPerSecond.get(name) * step.seconds / changes);
				}
			});
			printStep(step);
			if (!gatewayMetrics.isEmpty()) {
				double pushed = Prometheus.sum(this.prometheus.scrape(gatewayMetrics),
						"blueprint_chat_gateway_frames_out_total", "queue=\"presence\"")
						- Prometheus.sum(before, "blueprint_chat_gateway_frames_out_total", "queue=\"presence\"");
				System.out.printf("    gateway presence frames pushed: %.0f%n", pushed);
			}
			if (i == 0) {
				measureIdle();
			}
			long[] latencies = step.deliveries.sorted();
			if (i > 0 && (step.delivered.sum() * 2 < step.expected.sum()
					|| Latencies.millis(latencies, 0.99) > this.options.integer("stop-p99-ms"))) {
				System.out.println("p99 above --stop-p99-ms or over half the deliveries missing: no higher rates");
				break;
			}
		}
		printTable(users.size());
		clients.forEach(LoadClient::close);
		return 0;
	}

	/**
	 * Waits until the connect storm's own presence pushes (every user came online) have
	 * stopped for two seconds, at most 60 s.
	 */
	private void settle() throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (System.nanoTime() < deadline && System.nanoTime() - this.lastFrameNanos.get() < 2_000_000_000L) {
			Thread.sleep(100);
		}
		System.out.printf("connect storm settled: %d presence frames received while connecting%n", this.frames.sum());
	}

	/**
	 * The stack's CPU with every client connected and nothing changing, over
	 * {@code idle-seconds} after the warm-up: the baseline each step's marginal cost per
	 * change is taken above.
	 */
	private void measureIdle() throws InterruptedException {
		int seconds = this.options.integer("idle-seconds");
		if (seconds <= 0) {
			return;
		}
		Thread.sleep(2000);
		Map<String, Long> before = this.cpu.ticks();
		long started = System.nanoTime();
		Thread.sleep(seconds * 1000L);
		double elapsed = (System.nanoTime() - started) / 1e9;
		this.idleCpuPerSecond.putAll(StackCpu.millisPer(before, this.cpu.ticks(), elapsed));
		System.out.printf("idle for %.0f s, every client connected: CPU ms per second: %s%n", elapsed,
				StackCpu.format(this.idleCpuPerSecond));
	}

	private void change(int index, Step step, List<String> users, List<String> tokens, int seconds, long[] cursor) {
		URI uri = URI.create(this.options.get("presence") + "/api/v1/presence/me");
		long count = (long) step.rate * seconds;
		double interval = 1e9 / step.rate;
		long start = System.nanoTime() + 1_000_000;
		long last = start;
		for (long i = 0; i < count; i++) {
			long due = start + (long) (i * interval);
			long wait;
			while ((wait = due - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			int u = (int) (cursor[0]++ % users.size());
			String user = users.get(u);
			// Every user starts online (connected): odd rounds set away, even rounds
			// online.
			String status = ((cursor[0] - 1) / users.size() % 2 == 0) ? "away" : "online";
			this.latest.put(user, new Change(index, cursor[0], due, status));
			step.changes.increment();
			step.expected.add(this.contacts);
			HttpRequest request = HttpRequest.newBuilder(uri)
				.header("Authorization", "Bearer " + tokens.get(u))
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(30))
				.PUT(HttpRequest.BodyPublishers.ofString("{\"status\":\"" + status + "\"}"))
				.build();
			this.load.http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
				.whenComplete((response, failure) -> {
					if (failure != null || response.statusCode() != 200) {
						String cause = (failure != null) ? failure.getClass().getSimpleName()
								: "HTTP " + response.statusCode();
						step.failures.computeIfAbsent(cause, (key) -> new LongAdder()).increment();
						// no change was made: nobody should expect its pushes
						step.expected.add(-this.contacts);
					}
					else {
						step.puts.add(System.nanoTime() - due);
					}
				});
			last = System.nanoTime();
			step.maxLagNanos = Math.max(step.maxLagNanos, last - due);
		}
		step.achievedRate = step.changes.sum() / Math.max(1e-9, (last - start) / 1e9);
	}

	/** Waits until every push came back, or {@code drain-seconds}. */
	private void drain(Step step) throws InterruptedException {
		long deadline = System.nanoTime() + this.options.integer("drain-seconds") * 1_000_000_000L;
		while (System.nanoTime() < deadline && (step.delivered.sum() < step.expected.sum()
				|| step.puts.count() + failures(step) < step.changes.sum())) {
			Thread.sleep(50);
		}
	}

	private static long failures(Step step) {
		return step.failures.values().stream().mapToLong(LongAdder::sum).sum();
	}

	@Override
	public void presence(LoadClient client, JsonNode frame, long receivedNanos) {
		this.frames.increment();
		this.lastFrameNanos.accumulateAndGet(receivedNanos, Math::max);
		Change change = this.latest.get(frame.path("userId").asString(""));
		if (change == null || !change.status().equals(frame.path("status").asString(""))) {
			// the connect storm, or a push overtaken by the user's next change
			this.unmatched.increment();
			return;
		}
		Step step = this.steps.get(change.step());
		if (!step.seen.add(client.user + "|" + change.number())) {
			step.duplicates.increment();
			return;
		}
		step.delivered.increment();
		step.deliveries.add(receivedNanos - change.due());
	}

	@Override
	public void message(LoadClient client, JsonNode frame, long receivedNanos) {
	}

	@Override
	public void ack(LoadClient client, JsonNode frame, long receivedNanos) {
	}

	@Override
	public void error(LoadClient client, JsonNode frame, long receivedNanos) {
		this.steps.get(this.current).failures
			.computeIfAbsent("error frame " + frame.path("code").asString("?"), (key) -> new LongAdder())
			.increment();
	}

	private static final String HEADER = "| step | target changes/s | changes | achieved/s | pushes expected | received | lost | extra | duplicates | pushes/s | p50 ms | p99 ms | max ms | PUT p50 ms | PUT p99 ms | failures |\n"
			+ "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

	private void printStep(Step step) {
		System.out.println(HEADER);
		System.out.println(row(step));
		System.out.println("    CPU ms per change: " + StackCpu.format(step.cpuMillis));
		if (!step.marginalCpuMillis.isEmpty()) {
			System.out.println("    CPU ms per change above idle: " + StackCpu.format(step.marginalCpuMillis));
		}
	}

	private static String row(Step step) {
		long[] deliveries = step.deliveries.sorted();
		long[] puts = step.puts.sorted();
		return String.format("| %s | %d | %d | %.0f | %d | %d | %d | %d | %d | %.0f | %s | %s | %s | %s | %s | %s |",
				step.name, step.rate, step.changes.sum(), step.achievedRate, step.expected.sum(), step.delivered.sum(),
				step.lost(), step.extra(), step.duplicates.sum(), step.delivered.sum() / Math.max(1e-9, step.seconds),
				ChatLoad.millis(Latencies.millis(deliveries, 0.5)), ChatLoad.millis(Latencies.millis(deliveries, 0.99)),
				ChatLoad.millis(Latencies.millis(deliveries, 1.0)), ChatLoad.millis(Latencies.millis(puts, 0.5)),
				ChatLoad.millis(Latencies.millis(puts, 0.99)), step.failureSummary());
	}

	private void printTable(int users) {
		System.out.println();
		System.out.println("## presence fan-out (" + users + " users, " + this.contacts + " contacts each, "
				+ this.options.integer("step-seconds")
				+ " s per step; latency from the change's due time to each contact's frame)");
		System.out.println();
		System.out.println(HEADER);
		for (Step step : this.steps) {
			if (step.changes.sum() > 0) {
				System.out.println(row(step));
			}
		}
		System.out.println();
		System.out.println("CPU ms per change, by process (all of the step's CPU / changes):");
		for (Step step : this.steps) {
			if (step.changes.sum() > 0) {
				System.out.println("  " + step.name + ": " + StackCpu.format(step.cpuMillis));
			}
		}
		if (!this.idleCpuPerSecond.isEmpty()) {
			System.out.println(
					"CPU ms per change above idle, by process ((step CPU - idle CPU/s x step seconds) / changes):");
			for (Step step : this.steps) {
				if (!step.marginalCpuMillis.isEmpty()) {
					System.out.println("  " + step.name + ": " + StackCpu.format(step.marginalCpuMillis));
				}
			}
		}
		System.out.println("presence frames not matching a user's latest change (connect storm, overtaken): "
				+ this.unmatched.sum());
	}

}
