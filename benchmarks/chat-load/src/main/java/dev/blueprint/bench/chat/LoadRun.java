package dev.blueprint.bench.chat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import tools.jackson.databind.JsonNode;

/**
 * N clients in conversations of {@code conversation-size} (2: direct pairs), a warm-up,
 * then one step per rate. Sends are open-loop: the i-th send of a step is due at
 * {@code start + i / rate}, and every latency counts from that due time, so a stalled
 * sender or gateway shows as latency instead of as fewer sends (no coordinated omission).
 * The due time travels in the body and the clientMessageId ({@code s<step>-<nanos>}):
 * sender and recipients share this JVM's clock.
 */
final class LoadRun implements LoadClient.Frames {

	/** What one step sent and what came back. */
	static final class Step {

		final String name;

		final int rate;

		final LongAdder sent = new LongAdder();

		final LongAdder expected = new LongAdder();

		final LongAdder delivered = new LongAdder();

		final LongAdder acked = new LongAdder();

		final LongAdder sendFailures = new LongAdder();

		/**
		 * Set once the step's drain ends: what arrives later is counted as late, not as
		 * received (the per-step line and the final table then agree).
		 */
		volatile boolean drained;

		final LongAdder late = new LongAdder();

		/**
		 * Each delivery (recipient and stamp) and each ack (stamp) seen: a repeat counts
		 * in {@link #repeatedDeliveries} or {@link #repeatedAcks}, not as received, so
		 * repeats cannot hide a loss.
		 */
		final Set<String> seen = ConcurrentHashMap.newKeySet();

		final LongAdder repeatedDeliveries = new LongAdder();

		final LongAdder repeatedAcks = new LongAdder();

		/**
		 * Whether this is the first delivery of send {@code id} to {@code recipient}, or
		 * with no recipient its first ack; a repeat is counted.
		 */
		boolean first(String recipient, String id) {
			boolean first = this.seen.add((recipient != null) ? recipient + " " + id : "ack " + id);
			if (!first) {
				((recipient != null) ? this.repeatedDeliveries : this.repeatedAcks).increment();
			}
			return first;
		}

		final Latencies deliveries = new Latencies();

		final Latencies acks = new Latencies();

		final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

		volatile long maxLagNanos;

		volatile double achievedRate;

		volatile String firstSendFailure;

		volatile SlowSeconds slow;

		Step(String name, int rate) {
			this.name = name;
			this.rate = rate;
		}

		String errorSummary() {
			Map<String, Long> sorted = new TreeMap<>();
			this.errors.forEach((code, count) -> sorted.put(code, count.sum()));
			if (this.sendFailures.sum() > 0) {
				sorted.put("send-failed", this.sendFailures.sum());
			}
			return sorted.isEmpty() ? "none" : sorted.toString();
		}

	}

	private final ChatLoad load;

	private final Options options;

	/**
	 * How often the machine meter's thread wakes in a step: 200 wake-ups a second, a
	 * small addition to the stack's tens of thousands.
	 */
	private static final Duration MACHINE_METER_PERIOD = Duration.ofMillis(5);

	private final StackCpu cpu;

	private final GcPauses gcPauses;

	private final Prometheus prometheus;

	private final List<Step> steps = new ArrayList<>();

	private volatile int current;

	private final LongAdder ownCopies = new LongAdder();

	LoadRun(ChatLoad load, Options options) {
		this.load = load;
		this.options = options;
		this.cpu = new StackCpu(options.get("state-dir"));
		this.gcPauses = new GcPauses(options.get("state-dir"));
		this.prometheus = new Prometheus(load.http);
	}

	int run() throws Exception {
		int size = this.options.integer("conversation-size");
		List<String> users = this.load.users(this.options.integer("clients"));
		List<LoadClient> clients = users.stream().map((user) -> new LoadClient(user, this)).toList();
		long started = System.nanoTime();
		List<ChatLoad.Conversation> conversations = this.load.createConversations(clients, size);
		System.out.printf("%d conversations of %d created in %.1f s%n", conversations.size(), size,
				(System.nanoTime() - started) / 1e9);
		started = System.nanoTime();
		ChatLoad.Connected connected = this.load.connect(clients);
		System.out.printf("%d clients connected and subscribed in %.1f s, %d failed %s%n", connected.ok(),
				(System.nanoTime() - started) / 1e9, connected.failed(), connected.failures());
		if (connected.failed() > 0) {
			clients.forEach(LoadClient::close);
			return 1;
		}
		this.steps.add(new Step("warm-up", this.options.integer("warmup-rate")));
		for (String rate : this.options.list("rates")) {
			this.steps.add(new Step(rate + "/s", Integer.parseInt(rate)));
		}
		List<String> metrics = this.options.list("metrics");
		try (MachineMeter machine = new MachineMeter(MACHINE_METER_PERIOD)) {
			runSteps(conversations, metrics, machine);
		}
		printTable();
		clients.forEach(LoadClient::close);
		return 0;
	}

	private void runSteps(List<ChatLoad.Conversation> conversations, List<String> metrics, MachineMeter machine)
			throws InterruptedException {
		for (int i = 0; i < this.steps.size(); i++) {
			Step step = this.steps.get(i);
			int seconds = this.options.integer((i == 0) ? "warmup-seconds" : "step-seconds");
			if (seconds <= 0) {
				continue;
			}
			List<Map<String, Double>> before = metrics.stream().map(this.prometheus::scrape).toList();
			this.current = i;
			Map<String, Long> cpuBefore = this.cpu.ticks();
			Instant stepStart = Instant.now();
			machine.window();
			send(step, conversations, seconds);
			drain(step);
			step.drained = true;
			MachineMeter.Window machineWindow = machine.window();
			Instant stepEnd = Instant.now();
			printStep(step);
			System.out.println("    " + step.slow.summary(seconds, 10));
			System.out.println("    CPU ms per message (send and drain): "
					+ StackCpu.format(StackCpu.millisPer(cpuBefore, this.cpu.ticks(), step.sent.sum())));
			System.out.println("    " + GcPauses.format(this.gcPauses.between(stepStart, stepEnd)));
			System.out.println("    " + machineWindow.format());
			if (step.firstSendFailure != null) {
				System.out.println("    first send failure: " + step.firstSendFailure);
			}
			for (int m = 0; m < metrics.size(); m++) {
				Map<String, Double> after = this.prometheus.scrape(metrics.get(m));
				Prometheus.timers(before.get(m), after).forEach((line) -> System.out.println("    " + line));
				Prometheus.transactions(before.get(m), after, seconds)
					.ifPresent((line) -> System.out.println("    " + line));
				Prometheus.lastHop(before.get(m), after, seconds)
					.ifPresent((line) -> System.out.println("    " + line));
			}
			long[] deliveries = step.deliveries.sorted();
			if (i > 0 && (step.delivered.sum() * 2 < step.expected.sum()
					|| Latencies.millis(deliveries, 0.99) > this.options.integer("stop-p99-ms"))) {
				System.out.println("p99 above --stop-p99-ms or over half the deliveries missing: no higher rates");
				break;
			}
		}
	}

	private void send(Step step, List<ChatLoad.Conversation> conversations, int seconds) {
		int index = this.current;
		long count = (long) step.rate * seconds;
		double interval = 1e9 / step.rate;
		String padding = "x".repeat(Math.max(0, this.options.integer("body-bytes") - 30));
		long start = System.nanoTime() + 1_000_000;
		step.slow = new SlowSeconds(start, Instant.now().plusNanos(1_000_000),
				this.options.integer("slow-ms") * 1_000_000L);
		long last = start;
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (long i = 0; i < count; i++) {
			long due = start + (long) (i * interval);
			long wait;
			while ((wait = due - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			ChatLoad.Conversation conversation = conversations.get(random.nextInt(conversations.size()));
			LoadClient sender = conversation.members().get(random.nextInt(conversation.members().size()));
			String stamp = "s" + index + "-" + (due - ChatLoad.ORIGIN);
			if (sender.sendMessage(conversation.id(), stamp, stamp + " " + padding)) {
				step.sent.increment();
				step.expected.add(conversation.members().size() - 1);
			}
			else {
				step.sendFailures.increment();
				step.firstSendFailure = (step.firstSendFailure != null) ? step.firstSendFailure : sender.failure();
			}
			last = System.nanoTime();
			step.maxLagNanos = Math.max(step.maxLagNanos, last - due);
		}
		step.achievedRate = step.sent.sum() / Math.max(1e-9, (last - start) / 1e9);
	}

	/** Waits until every delivery and ack came back, or {@code drain-seconds}. */
	private void drain(Step step) throws InterruptedException {
		long deadline = System.nanoTime() + this.options.integer("drain-seconds") * 1_000_000_000L;
		while (System.nanoTime() < deadline
				&& (step.delivered.sum() < step.expected.sum() || step.acked.sum() < step.sent.sum())) {
			Thread.sleep(50);
		}
	}

	@Override
	public void message(LoadClient client, JsonNode frame, long receivedNanos) {
		if (client.user.equals(frame.path("senderId").asString(""))) {
			// the sender's own copy (for its other devices); not a recipient delivery
			this.ownCopies.increment();
			return;
		}
		record(client.user, frame.path("body").asString(""), receivedNanos, false);
	}

	@Override
	public void ack(LoadClient client, JsonNode frame, long receivedNanos) {
		record(null, frame.path("clientMessageId").asString(""), receivedNanos, true);
	}

	/**
	 * A delivery to {@code recipient} or an ack of the send stamped {@code stamp}, in the
	 * step that sent it; the first of each only (the last hop delivers at least once).
	 */
	private void record(String recipient, String stamp, long receivedNanos, boolean ack) {
		Step step = stepOf(stamp);
		if (step != null) {
			int end = stamp.indexOf(' ');
			if (!step.first(ack ? null : recipient, (end < 0) ? stamp : stamp.substring(0, end))) {
				return;
			}
			if (step.drained) {
				step.late.increment();
				return;
			}
			(ack ? step.acked : step.delivered).increment();
			long due = dueOf(stamp);
			(ack ? step.acks : step.deliveries).add(receivedNanos - due);
			SlowSeconds slow = step.slow;
			if (!ack && slow != null) {
				slow.add(due, receivedNanos - due);
			}
		}
	}

	@Override
	public void error(LoadClient client, JsonNode frame, long receivedNanos) {
		Step step = stepOf(frame.path("clientMessageId").asString(""));
		(step != null ? step : this.steps.get(this.current)).errors
			.computeIfAbsent(frame.path("code").asString("?"), (code) -> new LongAdder())
			.increment();
	}

	/** The step of a stamp {@code s<step>-<nanos>...}, or null. */
	private Step stepOf(String stamp) {
		int dash = stamp.indexOf('-');
		if (!stamp.startsWith("s") || dash < 0) {
			return null;
		}
		int index = Integer.parseInt(stamp, 1, dash, 10);
		return (index < this.steps.size()) ? this.steps.get(index) : null;
	}

	private static long dueOf(String stamp) {
		int dash = stamp.indexOf('-');
		int end = stamp.indexOf(' ', dash);
		return ChatLoad.ORIGIN + Long.parseLong(stamp, dash + 1, (end < 0) ? stamp.length() : end, 10);
	}

	private static final String HEADER = "| step | target msg/s | sent | achieved msg/s | deliveries expected | received | lost | repeated (deliveries / acks) | p50 ms | p99 ms | p99.9 ms | max ms | ack p50 ms | ack p99 ms | max send lag ms | errors |\n"
			+ "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

	private void printStep(Step step) {
		System.out.println(HEADER);
		System.out.println(row(step));
	}

	private static String row(Step step) {
		long[] deliveries = step.deliveries.sorted();
		long[] acks = step.acks.sorted();
		return String.format("| %s | %d | %d | %.0f | %d | %d | %d | %d / %d | %s | %s | %s | %s | %s | %s | %s | %s |",
				step.name, step.rate, step.sent.sum(), step.achievedRate, step.expected.sum(), step.delivered.sum(),
				Math.max(0, step.expected.sum() - step.delivered.sum()), step.repeatedDeliveries.sum(),
				step.repeatedAcks.sum(), ChatLoad.millis(Latencies.millis(deliveries, 0.5)),
				ChatLoad.millis(Latencies.millis(deliveries, 0.99)),
				ChatLoad.millis(Latencies.millis(deliveries, 0.999)),
				ChatLoad.millis(Latencies.millis(deliveries, 1.0)), ChatLoad.millis(Latencies.millis(acks, 0.5)),
				ChatLoad.millis(Latencies.millis(acks, 0.99)), ChatLoad.millis(step.maxLagNanos / 1e6),
				step.errorSummary());
	}

	private void printTable() {
		System.out.println();
		System.out.println("## chat-load results (" + this.options.integer("clients") + " clients, conversations of "
				+ this.options.integer("conversation-size") + ", " + this.options.integer("step-seconds")
				+ " s per step; latency from the scheduled send time to the recipient's frame)");
		System.out.println();
		System.out.println(HEADER);
		int best = 0;
		for (int i = 0; i < this.steps.size(); i++) {
			Step step = this.steps.get(i);
			if (step.sent.sum() == 0) {
				continue;
			}
			System.out.println(row(step));
			long[] deliveries = step.deliveries.sorted();
			boolean sustained = Latencies.millis(deliveries, 0.99) <= 100 && step.delivered.sum() >= step.expected.sum()
					&& step.sendFailures.sum() == 0 && step.achievedRate >= 0.95 * step.rate;
			if (i > 0 && sustained) {
				best = Math.max(best, step.rate);
			}
		}
		System.out.println();
		System.out.println("highest step rate with p99 <= 100 ms, nothing lost or failed to send, the rate achieved: "
				+ ((best > 0) ? best + " msg/s" : "none"));
		System.out.println("deliveries and acks that came after their step's drain (counted as lost there): "
				+ this.steps.stream().mapToLong((step) -> step.late.sum()).sum());
		System.out.println("own copies received by senders (not counted as deliveries): " + this.ownCopies.sum());
	}

}
