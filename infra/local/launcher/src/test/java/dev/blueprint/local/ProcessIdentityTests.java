package dev.blueprint.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProcessIdentityTests {

	private static final String BOOT = "e8e92549-a1c2-4de1-82c2-8796bcf52585";

	@TempDir
	Path temp;

	@Test
	void theStartTicksAreField22CountedAfterTheLastParenthesisOfTheCommand() {
		String stat = "27599 (my (odd) cmd) R 27593 27593 27169 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 3138478 3133440 382";
		assertThat(ProcessIdentity.startTicks(stat)).hasValue(3138478);
	}

	@Test
	void aTruncatedOrGarbledStatLineHasNoStartTicks() {
		assertThat(ProcessIdentity.startTicks("27599 (cat) R 27593 27593")).isEqualTo(OptionalLong.empty());
		assertThat(ProcessIdentity.startTicks("no parenthesis at all")).isEqualTo(OptionalLong.empty());
		assertThat(ProcessIdentity.startTicks("1 (x) R 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 soon 0 0"))
			.isEqualTo(OptionalLong.empty());
	}

	@Test
	void procfsIsReadFromTheGivenRoot() throws Exception {
		Files.createDirectories(this.temp.resolve("42"));
		Files.writeString(this.temp.resolve("42/stat"),
				"42 (java) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 30 0 777 0 0\n");
		Files.createDirectories(this.temp.resolve("sys/kernel/random"));
		Files.writeString(this.temp.resolve("sys/kernel/random/boot_id"), BOOT + "\n");

		assertThat(ProcessIdentity.startTicks(this.temp, 42)).hasValue(777);
		assertThat(ProcessIdentity.startTicks(this.temp, 43)).isEmpty();
		assertThat(ProcessIdentity.bootId(this.temp)).isEqualTo(BOOT);
		assertThat(ProcessIdentity.bootId(this.temp.resolve("nowhere"))).isEmpty();
	}

	@Test
	void aPidFileLineRoundTripsWithAndWithoutTicks() {
		ProcessIdentity full = new ProcessIdentity(42, 1_700_000_000_000L, 777, BOOT);
		assertThat(full.format()).isEqualTo("42 1700000000000 777 " + BOOT);
		assertThat(ProcessIdentity.parse(full.format() + "\n")).isEqualTo(full);

		ProcessIdentity millisOnly = new ProcessIdentity(42, 1_700_000_000_000L, -1, "");
		assertThat(millisOnly.format()).isEqualTo("42 1700000000000");
		assertThat(ProcessIdentity.parse("42 1700000000000\n")).isEqualTo(millisOnly);
	}

	@Test
	void fieldsAfterTheFourthAreIgnored() {
		assertThat(ProcessIdentity.parse("42 1700000000000 777 " + BOOT + " something-newer"))
			.isEqualTo(new ProcessIdentity(42, 1_700_000_000_000L, 777, BOOT));
	}

	@Test
	void aLineOfAnotherShapeIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> ProcessIdentity.parse("42"));
		assertThatIllegalArgumentException().isThrownBy(() -> ProcessIdentity.parse("42 1 2"));
		assertThatIllegalArgumentException().isThrownBy(() -> ProcessIdentity.parse("42 x"));
	}

	@Test
	void withTicksOnBothSidesAWallClockStepDoesNotMatterButOtherTicksOrAnotherBootDo() {
		ProcessIdentity recorded = new ProcessIdentity(42, 1_700_000_000_000L, 777, BOOT);
		long anHourLater = recorded.startedMillis() + 3_600_000;

		assertThat(recorded.sameProcessAs(new ProcessIdentity(42, anHourLater, 777, BOOT))).isTrue();
		assertThat(recorded.sameProcessAs(new ProcessIdentity(42, recorded.startedMillis(), 778, BOOT))).isFalse();
		assertThat(recorded.sameProcessAs(new ProcessIdentity(42, recorded.startedMillis(), 777, "another-boot")))
			.isFalse();
		assertThat(recorded.sameProcessAs(new ProcessIdentity(43, recorded.startedMillis(), 777, BOOT))).isFalse();
	}

	@Test
	void withoutTicksOnEitherSideTheStartInstantsMustBeWithinTheTolerance() {
		ProcessIdentity old = new ProcessIdentity(42, 1_700_000_000_000L, -1, "");
		long edge = ProcessIdentity.MILLIS_TOLERANCE;

		assertThat(old.sameProcessAs(new ProcessIdentity(42, old.startedMillis() + edge - 1, 777, BOOT))).isTrue();
		assertThat(old.sameProcessAs(new ProcessIdentity(42, old.startedMillis() + edge, 777, BOOT))).isFalse();
		assertThat(new ProcessIdentity(42, 1_700_000_000_000L, 777, BOOT)
			.sameProcessAs(new ProcessIdentity(42, 1_700_000_000_000L - edge + 1, -1, ""))).isTrue();
		assertThat(old.sameProcessAs(new ProcessIdentity(42, -1, -1, ""))).isFalse();
	}

}
