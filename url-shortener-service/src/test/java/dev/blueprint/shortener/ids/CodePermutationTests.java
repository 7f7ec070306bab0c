package dev.blueprint.shortener.ids;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CodePermutationTests {

	private final CodePermutation permutation = new CodePermutation(0x5eed_1234_abcdL);

	@Test
	void isABijectionOnTheFirstMillionIds() {
		Set<Long> images = new HashSet<>();
		long outOfSpace = 0;
		long notInverted = 0;
		for (long id = 0; id < 1_000_000; id++) {
			long image = this.permutation.permute(id);
			if (image < 0 || image >= Base62.SPACE) {
				outOfSpace++;
			}
			images.add(image);
			if (this.permutation.unpermute(image) != id) {
				notInverted++;
			}
		}
		assertThat(images).hasSize(1_000_000);
		assertThat(outOfSpace).isZero();
		assertThat(notInverted).isZero();
	}

	@Test
	void isABijectionOnRandomIdsAcrossTheWholeSpace() {
		SplittableRandom random = new SplittableRandom(7);
		long notInverted = 0;
		for (int i = 0; i < 200_000; i++) {
			long id = random.nextLong(Base62.SPACE);
			if (this.permutation.unpermute(this.permutation.permute(id)) != id) {
				notInverted++;
			}
		}
		assertThat(notInverted).isZero();
		assertThat(this.permutation.permute(Base62.SPACE - 1)).isLessThan(Base62.SPACE);
	}

	@Test
	void imagesOfConsecutiveIdsAreSpreadEvenly() {
		int buckets = 1_009;
		int[] counts = new int[buckets];
		for (long id = 0; id < 1_009_000; id++) {
			counts[(int) (this.permutation.permute(id) % buckets)]++;
		}
		for (int count : counts) {
			assertThat(count).isBetween(800, 1_200);
		}
	}

	@Test
	void consecutiveIdsGiveUnrelatedCodes() {
		String first = this.permutation.code(1_000);
		String second = this.permutation.code(1_001);
		int samePositions = 0;
		for (int i = 0; i < 7; i++) {
			if (first.charAt(i) == second.charAt(i)) {
				samePositions++;
			}
		}
		assertThat(samePositions).isLessThan(3);
		assertThat(Math.abs(Base62.decode(first) - Base62.decode(second))).isGreaterThan(1_000_000L);
	}

	@Test
	void differentKeysGiveDifferentCodes() {
		CodePermutation other = new CodePermutation(99);
		BitSet differing = new BitSet();
		for (int id = 0; id < 1_000; id++) {
			if (this.permutation.permute(id) != other.permute(id)) {
				differing.set(id);
			}
		}
		assertThat(differing.cardinality()).isGreaterThan(990);
	}

}
