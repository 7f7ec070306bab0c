package dev.blueprint.bench.chat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The stop-the-world garbage-collection pauses of every JVM of the stack within a step,
 * read from the GC logs the launcher writes ({@code state-dir/logs/NAME-gc.log}, and its
 * rotated files): while a process is paused, every request it holds waits, so a step's
 * pauses by process say which JVM added what to the tail.
 */
final class GcPauses {

	/**
	 * {@code [2026-12-04T19:39:46.931+0000][438.718s][info][gc] GC(137) Pause Young
	 * (Normal) (G1 Evacuation Pause) 243M->149M(284M) 8.781ms}.
	 */
	private static final Pattern PAUSE = Pattern.compile("^\\[([^]]+)].*\\] GC\\(\\d+\\) Pause .* (\\d+\\.\\d+)ms$");

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx");

	private final String stateDir;

	GcPauses(String stateDir) {
		this.stateDir = stateDir;
	}

	/** The pauses of each process that began within [from, to). */
	Map<String, Summary> between(Instant from, Instant to) {
		Map<String, Summary> pauses = new TreeMap<>();
		if (this.stateDir.isEmpty()) {
			return pauses;
		}
		try (Stream<Path> files = Files.list(Path.of(this.stateDir, "logs"))) {
			for (Path file : files.filter((f) -> f.getFileName().toString().contains("-gc.log")).toList()) {
				String name = file.getFileName().toString().replaceFirst("-gc\\.log.*$", "");
				Summary summary = pauses.getOrDefault(name, Summary.NONE).plus(of(Files.readAllLines(file), from, to));
				pauses.put(name, summary);
			}
		}
		catch (IOException ex) {
			System.err.println("no GC logs under " + this.stateDir + "/logs: " + ex);
		}
		return pauses;
	}

	static Summary of(List<String> lines, Instant from, Instant to) {
		Summary summary = Summary.NONE;
		for (String line : lines) {
			Matcher matcher = PAUSE.matcher(line);
			if (!matcher.matches()) {
				continue;
			}
			try {
				Instant at = OffsetDateTime.parse(matcher.group(1), TIME).toInstant();
				if (!at.isBefore(from) && at.isBefore(to)) {
					double millis = Double.parseDouble(matcher.group(2));
					summary = summary.plus(new Summary(1, millis, millis));
				}
			}
			catch (DateTimeParseException ex) {
				// not a line with the time decoration
			}
		}
		return summary;
	}

	/** "GC pauses (count / total ms / longest ms): cassandra 38 / 2940 / 45, ...". */
	static String format(Map<String, Summary> pauses) {
		if (pauses.isEmpty()) {
			return "GC pauses: no GC logs";
		}
		return "GC pauses (count / total ms / longest ms): " + pauses.entrySet()
			.stream()
			.map((entry) -> String.format("%s %d / %.0f / %.0f", entry.getKey(), entry.getValue().count(),
					entry.getValue().totalMillis(), entry.getValue().longestMillis()))
			.collect(Collectors.joining(", "));
	}

	record Summary(int count, double totalMillis, double longestMillis) {

		static final Summary NONE = new Summary(0, 0, 0);

		Summary plus(Summary other) {
			return new Summary(this.count + other.count, this.totalMillis + other.totalMillis,
					Math.max(this.longestMillis, other.longestMillis));
		}

	}

}
