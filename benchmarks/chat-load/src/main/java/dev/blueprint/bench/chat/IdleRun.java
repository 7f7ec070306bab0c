package dev.blueprint.bench.chat;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * How many idle, authenticated, subscribed STOMP sessions one gateway holds: connects
 * {@code clients} sessions in batches of {@code idle-batch}, and after each batch prints
 * the sessions the gateway counts, its heap used right after a full GC ({@code jcmd
 * GC.run}, then the heap from its Prometheus scrape) and its RSS. Stops at the first
 * batch where more than half the connects fail, then holds the sessions for
 * {@code hold-seconds} (heart-beats and registry renewals keep running) and counts the
 * survivors. Then closes them all at once, as a load balancer or network failure would,
 * and watches the gateway until it has let them go: how long until it counts no session
 * and (with {@code --redis}) the session registry holds none, and how fast its health
 * check answers meanwhile (an orchestrator's liveness probe would restart a gateway that
 * does not answer).
 */
final class IdleRun implements LoadClient.Frames {

	private final ChatLoad load;

	private final Options options;

	private final Prometheus prometheus = new Prometheus(HttpClient.newHttpClient());

	IdleRun(ChatLoad load, Options options) {
		this.load = load;
		this.options = options;
	}

	int run() throws Exception {
		List<String> users = this.load.users(this.options.integer("clients"));
		int batch = this.options.integer("idle-batch");
		List<LoadClient> held = new ArrayList<>();
		System.out.println(
				"| sessions held | connected in batch (s) | failed | gateway sessions | gateway heap after GC MiB | gateway RSS MiB | generator heap MiB |");
		System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
		for (int first = 0; first < users.size(); first += batch) {
			List<LoadClient> clients = users.subList(first, Math.min(users.size(), first + batch))
				.stream()
				.map((user) -> new LoadClient(user, this))
				.toList();
			long started = System.nanoTime();
			ChatLoad.Connected connected = this.load.connect(clients);
			double seconds = (System.nanoTime() - started) / 1e9;
			clients.stream().filter(LoadClient::isConnected).forEach(held::add);
			System.out.println(measure(held.size(), String.format("%.1f", seconds), connected.failed()));
			if (connected.failed() > 0) {
				System.out.println("    failures: " + connected.failures());
			}
			if (connected.failed() * 2 > clients.size()) {
				System.out.println("more than half of the batch failed: stopping");
				break;
			}
		}
		System.out.println("holding " + held.size() + " sessions for " + this.options.get("hold-seconds") + " s");
		Thread.sleep(Duration.ofSeconds(this.options.integer("hold-seconds")).toMillis());
		long alive = held.stream().filter(LoadClient::isConnected).count();
		System.out.println(measure(alive, "after hold", held.size() - alive));
		held.stream()
			.filter((client) -> client.failure() != null)
			.limit(5)
			.forEach((client) -> System.out.println("    lost: " + client.failure()));
		disconnect(held);
		return 0;
	}

	/**
	 * Closes every held session at once and watches the gateway let them go. Its health
	 * endpoint is asked on a thread of its own every 200 ms from just before the first
	 * close (a slow answer delays the next ask; each waits up to 10 s) until both counts
	 * below are zero, and at least 10 s; meanwhile, every 250 ms, the gateway's session
	 * gauge and the registry's keys in Redis ({@code KEYS chat:sessions:*}: a few
	 * milliseconds of Redis per ask at 10,000 keys).
	 */
	private void disconnect(List<LoadClient> held) throws InterruptedException {
		List<String> metrics = this.options.list("metrics");
		String health = metrics.isEmpty() ? null : metrics.get(0).replace("/actuator/prometheus", "/actuator/health");
		RedisKeys redis = this.options.get("redis").isEmpty() ? null : new RedisKeys(this.options.get("redis"));
		HealthProbe probe = new HealthProbe(health);
		long started = System.nanoTime();
		probe.start();
		held.parallelStream().forEach(LoadClient::close);
		double closed = seconds(started);
		double gatewayEmpty = metrics.isEmpty() ? Double.NaN : -1;
		double registryEmpty = (redis == null) ? Double.NaN : -1;
		long deadline = started + Duration.ofSeconds(this.options.integer("disconnect-seconds")).toNanos();
		while (System.nanoTime() < deadline && (gatewayEmpty < 0 || registryEmpty < 0)) {
			if (gatewayEmpty < 0) {
				Map<String, Double> gateway = this.prometheus.scrape(metrics.get(0));
				if (gateway.keySet().stream().anyMatch((series) -> series.startsWith("blueprint_chat_gateway_sessions"))
						&& Prometheus.sum(gateway, "blueprint_chat_gateway_sessions", "") == 0) {
					gatewayEmpty = seconds(started);
				}
			}
			if (registryEmpty < 0 && redis.count("chat:sessions:*") == 0) {
				registryEmpty = seconds(started);
			}
			Thread.sleep(250);
		}
		long probeUntil = started + Duration.ofSeconds(10).toNanos();
		Thread.sleep(Math.max(0, (probeUntil - System.nanoTime()) / 1_000_000));
		probe.stop();
		System.out.println("closed " + held.size() + " sessions at once:");
		System.out.println("| closed by the generator (s) | gateway counts 0 (s) | registry empty (s) "
				+ "| health asks (every 200 ms) | slowest (ms) | over 1 s | not UP or no answer |");
		System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
		System.out.printf("| %.1f | %s | %s | %d | %d | %d | %d |%n", closed, format(gatewayEmpty),
				format(registryEmpty), probe.asks, probe.slowest, probe.slow, probe.unanswered);
	}

	/** Asks the gateway's health every 200 ms on its own thread. */
	private final class HealthProbe implements Runnable {

		private final String url;

		private final Thread thread = new Thread(this, "health-probe");

		private volatile boolean stopping;

		private volatile long asks;

		private volatile long slowest;

		private volatile long slow;

		private volatile long unanswered;

		HealthProbe(String url) {
			this.url = url;
		}

		void start() {
			if (this.url != null) {
				this.thread.start();
			}
		}

		void stop() throws InterruptedException {
			this.stopping = true;
			if (this.url != null) {
				this.thread.join();
			}
		}

		@Override
		public void run() {
			long next = System.nanoTime();
			while (!this.stopping) {
				long asked = System.nanoTime();
				boolean up = IdleRun.this.prometheus.answers(this.url, Duration.ofSeconds(10));
				long millis = (System.nanoTime() - asked) / 1_000_000;
				this.asks++;
				this.slowest = Math.max(this.slowest, millis);
				this.slow += (millis > 1000) ? 1 : 0;
				this.unanswered += up ? 0 : 1;
				// after a slow answer, the next ask at once (no burst to catch up)
				next = Math.max(next + 200_000_000L, System.nanoTime());
				long wait = next - System.nanoTime();
				if (wait > 0) {
					try {
						Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						return;
					}
				}
			}
		}

	}

	private static double seconds(long since) {
		return (System.nanoTime() - since) / 1e9;
	}

	private static String format(double seconds) {
		return Double.isNaN(seconds) ? "-"
				: (seconds < 0) ? "not within --disconnect-seconds" : String.format("%.1f", seconds);
	}

	private String measure(long held, String seconds, long failed) {
		String pid = this.options.get("gateway-pid");
		List<String> metrics = this.options.list("metrics");
		if (!pid.isEmpty()) {
			jcmd(pid, "GC.run");
		}
		Map<String, Double> gateway = metrics.isEmpty() ? Map.of() : this.prometheus.scrape(metrics.get(0));
		Runtime self = Runtime.getRuntime();
		return String.format("| %d | %s | %d | %.0f | %.0f | %s | %d |", held, seconds, failed,
				Prometheus.sum(gateway, "blueprint_chat_gateway_sessions", ""),
				Prometheus.sum(gateway, "jvm_memory_used_bytes", "area=\"heap\"") / (1 << 20),
				pid.isEmpty() ? "-" : rssMiB(pid), (self.totalMemory() - self.freeMemory()) >> 20);
	}

	private static void jcmd(String pid, String command) {
		Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
		try {
			new ProcessBuilder(java.resolveSibling("jcmd").toString(), pid, command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start()
				.waitFor();
		}
		catch (Exception ex) {
			System.err.println("jcmd " + pid + " " + command + ": " + ex);
		}
	}

	private static String rssMiB(String pid) {
		try {
			return Files.readAllLines(Path.of("/proc", pid, "status"))
				.stream()
				.filter((line) -> line.startsWith("VmRSS:"))
				.map((line) -> Long.toString(Long.parseLong(line.replaceAll("\\D", "")) / 1024))
				.findFirst()
				.orElse("?");
		}
		catch (Exception ex) {
			return "?";
		}
	}

	@Override
	public void message(LoadClient client, JsonNode frame, long receivedNanos) {
	}

	@Override
	public void ack(LoadClient client, JsonNode frame, long receivedNanos) {
	}

	@Override
	public void error(LoadClient client, JsonNode frame, long receivedNanos) {
	}

}
