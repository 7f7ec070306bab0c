package dev.blueprint.bench.chat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class GcPausesTests {

	private static final List<String> LOG = List.of("[2026-12-04T19:39:46.000+0000][0.003s][info][gc] Using G1",
			"[2026-12-04T19:39:46.931+0000][438.718s][info][gc] GC(137) Pause Young (Normal) (G1 Evacuation Pause) "
					+ "243M->149M(284M) 8.781ms",
			"[2026-12-04T19:39:48.842+0000][440.629s][info][gc] GC(140) Concurrent Mark Cycle",
			"[2026-12-04T19:39:48.928+0000][440.715s][info][gc] GC(140) Pause Remark 152M->150M(284M) 15.744ms",
			"[2026-12-04T19:39:48.970+0000][440.757s][info][gc] GC(140) Concurrent Mark Cycle 127.898ms",
			"[2026-12-04T19:39:50.000+0000][442.000s][info][gc] GC(141) Pause Young (Mixed) 161M->136M(284M) 11.209ms");

	@TempDir
	Path state;

	@Test
	void countsThePausesThatBeganInTheWindowButNotConcurrentPhases() {
		GcPauses.Summary summary = GcPauses.of(LOG, Instant.parse("2026-12-04T19:39:46.931Z"),
				Instant.parse("2026-12-04T19:39:50Z"));

		assertThat(summary).isEqualTo(new GcPauses.Summary(2, 8.781 + 15.744, 15.744));
	}

	@Test
	void sumsARotatedFileWithTheCurrentOneByProcess() throws Exception {
		Files.createDirectories(this.state.resolve("logs"));
		Files.write(this.state.resolve("logs/cassandra-gc.log.0"), LOG.subList(0, 2));
		Files.write(this.state.resolve("logs/cassandra-gc.log"), LOG.subList(2, 6));
		Files.write(this.state.resolve("logs/kafka-gc.log"), LOG.subList(0, 1));
		Files.writeString(this.state.resolve("logs/cassandra.log"), LOG.get(1));

		Map<String, GcPauses.Summary> pauses = new GcPauses(this.state.toString())
			.between(Instant.parse("2026-12-04T19:39:00Z"), Instant.parse("2026-12-04T19:40:00Z"));

		assertThat(GcPauses.format(pauses))
			.isEqualTo("GC pauses (count / total ms / longest ms): cassandra 3 / 36 / 16, kafka 0 / 0 / 0");
	}

}
