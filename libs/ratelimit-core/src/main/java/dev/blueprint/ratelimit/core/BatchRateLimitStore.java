package dev.blueprint.ratelimit.core;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A store that decides several requests on one bucket in one atomic, asynchronous step:
 * the requests are decided one after another in the given order, each seeing what the
 * ones before it were charged, so the answers are exactly those of separate
 * {@link RateLimitStore#acquire} calls made at that instant.
 * {@link CoalescingRateLimitStore} sends it the requests that queued up for a bucket
 * while its previous call was in flight.
 */
public interface BatchRateLimitStore {

	/**
	 * @param bucket the key all limits share, from {@link RateLimitKeys#bucket}
	 * @param limits the limits, at least one
	 * @param costs each request's cost (at least 1), in arrival order
	 * @return one decision per cost, in order; completes exceptionally with a
	 * {@link RateLimitStoreException} when the store cannot be reached or fails
	 */
	CompletionStage<List<Decision>> acquireAll(String bucket, List<Limit> limits, List<Long> costs);

}
