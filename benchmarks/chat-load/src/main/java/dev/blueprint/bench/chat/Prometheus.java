package dev.blueprint.bench.chat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the services' {@code /actuator/prometheus} so a step can say where its time went:
 * the difference of two scrapes of every {@code blueprint_chat_*_seconds} timer (count,
 * mean, p99 from the histogram buckets) and a few gauges.
 */
final class Prometheus {

	private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");

	private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

	private static final Pattern STAGE = Pattern.compile("stage=\"[^\"]+\"");

	private static final Pattern TIMER_COUNT = Pattern.compile("^(blueprint_chat_\\w+_seconds)_count$");

	private final HttpClient http;

	Prometheus(HttpClient http) {
		this.http = http;
	}

	/** Whether a health endpoint answers UP within the timeout. */
	boolean answers(String url, Duration timeout) {
		try {
			HttpResponse<String> response = this.http.send(
					HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
					HttpResponse.BodyHandlers.ofString());
			return response.statusCode() == 200 && response.body().contains("\"UP\"");
		}
		catch (Exception ex) {
			return false;
		}
	}

	/** One scrape: series ({@code name{labels}}) to value; empty if unreachable. */
	Map<String, Double> scrape(String url) {
		Map<String, Double> series = new HashMap<>();
		try {
			String text = this.http
				.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
						HttpResponse.BodyHandlers.ofString())
				.body();
			for (String line : text.split("\n")) {
				Matcher matcher = SERIES.matcher(line);
				if (!line.startsWith("#") && matcher.find()) {
					String labels = (matcher.group(2) != null) ? matcher.group(2) : "";
					series.merge(matcher.group(1) + labels, parse(matcher.group(3)), Double::sum);
				}
			}
		}
		catch (Exception ex) {
			System.err.println("could not scrape " + url + ": " + ex);
		}
		return series;
	}

	private static double parse(String value) {
		if (value.equals("+Inf")) {
			return Double.POSITIVE_INFINITY;
		}
		try {
			return Double.parseDouble(value);
		}
		catch (NumberFormatException ex) {
			return Double.NaN;
		}
	}

	/** Sum of every series of {@code name} whose labels contain {@code labelPart}. */
	static double sum(Map<String, Double> series, String name, String labelPart) {
		return series.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().equals(name)
					|| (entry.getKey().startsWith(name + "{") && entry.getKey().contains(labelPart)))
			.mapToDouble(Map.Entry::getValue)
			.sum();
	}

	/**
	 * One line per {@code blueprint_chat_*_seconds} timer that counted something between
	 * the two scrapes: count, mean and p99 (upper bound of its histogram bucket).
	 */
	static List<String> timers(Map<String, Double> before, Map<String, Double> after) {
		// A timer with a stage tag (blueprint_chat_pipeline_latency_seconds) is one line
		// per stage; any other tags are summed.
		Set<String> series = new TreeSet<>();
		for (String key : after.keySet()) {
			Matcher timer = TIMER_COUNT.matcher(key.contains("{") ? key.substring(0, key.indexOf('{')) : key);
			if (timer.matches()) {
				Matcher stage = STAGE.matcher(key);
				series.add(timer.group(1) + (stage.find() ? "|" + stage.group() : ""));
			}
		}
		List<String> lines = new ArrayList<>();
		for (String one : series) {
			String name = one.contains("|") ? one.substring(0, one.indexOf('|')) : one;
			String labelPart = one.contains("|") ? one.substring(one.indexOf('|') + 1) : "";
			double count = delta(before, after, name + "_count", labelPart);
			if (count <= 0) {
				continue;
			}
			double mean = delta(before, after, name + "_sum", labelPart) / count * 1000;
			lines.add(String.format("%s%s: n=%.0f mean=%.1f ms p99<=%s ms", name,
					labelPart.isEmpty() ? "" : "{" + labelPart + "}", count, mean,
					p99(before, after, name, labelPart, count)));
		}
		return lines;
	}

	/**
	 * The sequencer's Kafka transactions between two scrapes of chat-message-service: how
	 * many (one per poll that had records: the batch timer's count) and the mean time per
	 * transaction in its listener (Cassandra reads and writes, sends) and in the two
	 * producer calls Spring Kafka makes after it, {@code sendOffsetsToTransaction} and
	 * {@code commitTransaction} (the producer's {@code txn-*-time-ns-total}). One
	 * partition's records wait for the whole cycle, so this is where the
	 * {@code sequenced} stage's time goes. Empty when the scrape has no transactions.
	 */
	static Optional<String> transactions(Map<String, Double> before, Map<String, Double> after, double seconds) {
		double batches = delta(before, after, "blueprint_chat_sequencer_batch_seconds_count", "");
		double commitNanos = delta(before, after, "kafka_producer_txn_commit_time_ns_total", "");
		if (batches <= 0 || commitNanos <= 0) {
			return Optional.empty();
		}
		double listenerMillis = delta(before, after, "blueprint_chat_sequencer_batch_seconds_sum", "") * 1000 / batches;
		double offsetsMillis = delta(before, after, "kafka_producer_txn_send_offsets_time_ns_total", "") / 1e6
				/ batches;
		double commitMillis = commitNanos / 1e6 / batches;
		return Optional.of(String.format(
				"sequencer transactions: %.0f (%.0f/s); per transaction: listener %.1f ms + sendOffsetsToTransaction "
						+ "%.1f ms + commitTransaction %.1f ms = %.1f ms",
				batches, batches / seconds, listenerMillis, offsetsMillis, commitMillis,
				listenerMillis + offsetsMillis + commitMillis));
	}

	/**
	 * notification-service's last hop between two scrapes: the Redis messages it
	 * published to gateways and the deliveries they carried
	 * ({@code notification.deliveries-per-publish} at work). Empty for a scrape of
	 * another service, or when nothing was published.
	 */
	static Optional<String> lastHop(Map<String, Double> before, Map<String, Double> after, double seconds) {
		double publishes = delta(before, after, "blueprint_chat_delivery_publishes_total", "");
		if (publishes <= 0) {
			return Optional.empty();
		}
		double deliveries = delta(before, after, "blueprint_chat_deliveries_total", "");
		return Optional
			.of(String.format("last hop: %.0f Redis publishes (%.0f/s) carrying %.0f deliveries, %.1f per publish",
					publishes, publishes / seconds, deliveries, deliveries / publishes));
	}

	private static double delta(Map<String, Double> before, Map<String, Double> after, String name, String labelPart) {
		return sum(after, name, labelPart) - sum(before, name, labelPart);
	}

	private static String p99(Map<String, Double> before, Map<String, Double> after, String name, String labelPart,
			double count) {
		TreeMap<Double, Double> buckets = new TreeMap<>();
		after.forEach((key, value) -> {
			Matcher le = LE.matcher(key);
			if (key.startsWith(name + "_bucket{") && key.contains(labelPart) && le.find()) {
				buckets.merge(parse(le.group(1)), value - before.getOrDefault(key, 0.0), Double::sum);
			}
		});
		for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
			if (bucket.getValue() >= 0.99 * count) {
				return bucket.getKey().isInfinite() ? "inf" : String.format("%.1f", bucket.getKey() * 1000);
			}
		}
		return "?";
	}

}
