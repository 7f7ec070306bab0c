package dev.blueprint.bench.chat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --name value} command-line options with defaults; an unknown name fails, so a
 * typo never silently runs the default.
 */
final class Options {

	static final Map<String, String> DEFAULTS = Map.ofEntries(Map.entry("mode", "load"),
			Map.entry("gateway", "ws://127.0.0.1:8083/ws"), Map.entry("sockjs", ""),
			Map.entry("messages", "http://127.0.0.1:8084"), Map.entry("secret-file", ".suite/jwt-hmac-secret"),
			Map.entry("clients", "1000"), Map.entry("conversation-size", "2"),
			Map.entry("rates", "100,250,500,750,1000"), Map.entry("step-seconds", "30"),
			Map.entry("warmup-seconds", "60"), Map.entry("warmup-rate", "100"), Map.entry("drain-seconds", "5"),
			Map.entry("stop-p99-ms", "5000"), Map.entry("body-bytes", "100"), Map.entry("connect-concurrency", "64"),
			Map.entry("heartbeat-ms", "10000"), Map.entry("metrics", ""), Map.entry("user-prefix", ""),
			Map.entry("idle-batch", "1000"), Map.entry("hold-seconds", "30"), Map.entry("gateway-pid", ""),
			Map.entry("presence", "http://127.0.0.1:8085"), Map.entry("contacts", "9"), Map.entry("state-dir", ""),
			Map.entry("idle-seconds", "0"), Map.entry("slow-ms", "100"), Map.entry("redis", ""),
			Map.entry("disconnect-seconds", "60"), Map.entry("deflate", "false"));

	private final Map<String, String> values = new HashMap<>(DEFAULTS);

	Options(String[] args) {
		for (int i = 0; i < args.length; i++) {
			String name = args[i].startsWith("--") ? args[i].substring(2) : null;
			if (name == null || !DEFAULTS.containsKey(name) || i + 1 >= args.length) {
				throw new IllegalArgumentException("unknown or incomplete option '" + args[i] + "'; options: "
						+ DEFAULTS.keySet().stream().sorted().map((key) -> "--" + key).toList());
			}
			this.values.put(name, args[++i]);
		}
	}

	String get(String name) {
		return this.values.get(name);
	}

	int integer(String name) {
		return Integer.parseInt(get(name).trim());
	}

	List<String> list(String name) {
		return Arrays.stream(get(name).split(",")).map(String::trim).filter((value) -> !value.isEmpty()).toList();
	}

	@Override
	public String toString() {
		return new java.util.TreeMap<>(this.values).toString();
	}

}
