package dev.blueprint.shortener.ids;

/**
 * A range of IDs {@code [start, end)} leased by one instance.
 *
 * @param start first ID of the block
 * @param end one past the last ID
 */
public record IdBlock(long start, long end) {

	public IdBlock {
		if (start < 0 || end <= start) {
			throw new IllegalArgumentException("empty or negative block [" + start + ", " + end + ")");
		}
	}

	/**
	 * The block that a lease starting at counter value {@code counter} gets: at most
	 * {@code size} IDs, never beyond {@code space}.
	 * @throws IdSpaceExhaustedException when the counter has reached the end of the space
	 */
	public static IdBlock leasedAt(long counter, int size, long space) {
		if (size <= 0) {
			throw new IllegalArgumentException("block size must be positive, was " + size);
		}
		if (counter >= space) {
			throw new IdSpaceExhaustedException(space);
		}
		return new IdBlock(counter, Math.min(counter + size, space));
	}

	public long size() {
		return this.end - this.start;
	}

}
