package dev.blueprint.shortener.ids;

/**
 * Port to the durable counter that hands out disjoint ID blocks to every instance.
 */
public interface IdBlockSource {

	/**
	 * Atomically advances the counter by {@code size} and returns the range it covered.
	 * Two calls, from any instances, never return overlapping blocks.
	 */
	IdBlock lease(int size);

}
