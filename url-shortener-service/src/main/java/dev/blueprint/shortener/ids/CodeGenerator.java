package dev.blueprint.shortener.ids;

/**
 * Generated codes: the next leased ID through the keyed permutation, base62-encoded to
 * seven characters.
 */
public final class CodeGenerator {

	private final IdAllocator allocator;

	private final CodePermutation permutation;

	public CodeGenerator(IdAllocator allocator, CodePermutation permutation) {
		this.allocator = allocator;
		this.permutation = permutation;
	}

	public String nextCode() {
		return this.permutation.code(this.allocator.nextId());
	}

	public long remainingInBlock() {
		return this.allocator.remaining();
	}

}
