package dev.blueprint.shortener.ids;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class Base62Tests {

	@Test
	void encodesTheEdgesOfTheSpaceWithSevenCharacters() {
		assertThat(Base62.encode(0)).isEqualTo("0000000");
		assertThat(Base62.encode(61)).isEqualTo("000000z");
		assertThat(Base62.encode(62)).isEqualTo("0000010");
		assertThat(Base62.encode(Base62.SPACE - 1)).isEqualTo("zzzzzzz");
		assertThat(Base62.SPACE).isEqualTo((long) Math.pow(62, 7));
	}

	@Test
	void roundTripsRandomValues() {
		SplittableRandom random = new SplittableRandom(42);
		int failures = 0;
		for (int i = 0; i < 1_000_000; i++) {
			long value = random.nextLong(Base62.SPACE);
			String code = Base62.encode(value);
			if (code.length() != 7 || Base62.decode(code) != value) {
				failures++;
			}
		}
		assertThat(failures).isZero();
	}

	@Test
	void rejectsValuesOutsideTheSpace() {
		assertThatIllegalArgumentException().isThrownBy(() -> Base62.encode(-1));
		assertThatIllegalArgumentException().isThrownBy(() -> Base62.encode(Base62.SPACE));
	}

	@Test
	void recognisesOnlySevenBase62Characters() {
		assertThat(Base62.isCode("aZ09xyz")).isTrue();
		assertThat(Base62.isCode("aZ09xy")).isFalse();
		assertThat(Base62.isCode("aZ09xyzz")).isFalse();
		assertThat(Base62.isCode("aZ0-xyz")).isFalse();
		assertThat(Base62.isCode("aZ0_xyz")).isFalse();
		assertThat(Base62.isCode("aZ0éxyz")).isFalse();
		assertThat(Base62.isCode(null)).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> Base62.decode("abc-def"));
	}

}
