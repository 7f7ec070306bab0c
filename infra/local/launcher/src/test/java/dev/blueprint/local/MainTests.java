package dev.blueprint.local;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The command line's answers that need no running stack. */
class MainTests {

	private static final Map<String, String> BAD_OFFSET = Map.of("BLUEPRINT_PORT_OFFSET", "ten");

	@TempDir
	Path repo;

	private final ByteArrayOutputStream out = new ByteArrayOutputStream();

	private final ByteArrayOutputStream err = new ByteArrayOutputStream();

	@Test
	void helpIsAnsweredEvenWithABadSetting() {
		assertThat(execute(BAD_OFFSET, "help")).isZero();
		assertThat(execute(BAD_OFFSET, "-h")).isZero();
		assertThat(execute(BAD_OFFSET, "--help")).isZero();

		assertThat(text(this.out)).startsWith("usage: ./suite <command>").contains("BLUEPRINT_PORT_OFFSET");
		assertThat(text(this.err)).isEmpty();
	}

	@Test
	void noCommandOrAnUnknownOneShowsTheUsageEvenWithABadSetting() {
		assertThat(execute(BAD_OFFSET)).isEqualTo(2);
		assertThat(execute(BAD_OFFSET, "start")).isEqualTo(2);

		assertThat(text(this.out)).startsWith("usage: ./suite <command>");
		assertThat(text(this.err)).startsWith("suite: unknown command 'start'").contains("usage: ./suite <command>");
	}

	@Test
	void aCommandThatNeedsTheStackNamesTheBadSetting() {
		assertThat(execute(BAD_OFFSET, "ps")).isEqualTo(1);

		assertThat(text(this.err)).isEqualTo("suite: BLUEPRINT_PORT_OFFSET must be a number, was 'ten'\n");
		assertThat(text(this.out)).isEmpty();
	}

	@Test
	void aCommandWithAMissingArgumentShowsItsUsage() {
		assertThat(execute(Map.of("BLUEPRINT_STATE_DIR", this.repo.resolve("state").toString()), "logs")).isEqualTo(2);

		assertThat(text(this.err)).isEqualTo("suite: usage: ./suite logs NAME [--no-follow]\n");
	}

	@Test
	void aBadProcessIdIsRefusedBeforeAnythingStarts() {
		Map<String, String> env = Map.of("BLUEPRINT_STATE_DIR", this.repo.resolve("state").toString());

		assertThat(execute(env, "reap")).isEqualTo(2);
		assertThat(execute(env, "up", "--watch-pid", "self")).isEqualTo(2);
		assertThat(execute(env, "infra", "up", "--watch-pid", "0")).isEqualTo(2);

		assertThat(text(this.err)).isEqualTo("""
				suite: usage: ./suite reap PID (started by up --watch-pid PID)
				suite: a process id must be a positive number, was 'self'
				suite: a process id must be a positive number, was '0'
				""");
		assertThat(text(this.out)).isEmpty();
		assertThat(this.repo.resolve("state/logs")).doesNotExist();
	}

	@Test
	void aProcessIdIsAPositiveNumber() {
		assertThat(Main.pid("1")).isEqualTo(1);
		assertThat(Main.pid("4194304")).isEqualTo(4194304);
		assertThatIllegalArgumentException().isThrownBy(() -> Main.pid("-5"));
		assertThatIllegalArgumentException().isThrownBy(() -> Main.pid("99999999999999999999"));
	}

	private int execute(Map<String, String> env, String... args) {
		return Main.execute(List.of(args), this.repo, env, new PrintStream(this.out, true, StandardCharsets.UTF_8),
				new PrintStream(this.err, true, StandardCharsets.UTF_8));
	}

	private static String text(ByteArrayOutputStream stream) {
		return stream.toString(StandardCharsets.UTF_8);
	}

}
