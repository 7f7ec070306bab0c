package dev.blueprint.ratelimit.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Coalesces concurrent decisions on one bucket into one store call while staying exact.
 * At most one call per bucket (and set of limits) is in flight from this store; requests
 * for that bucket arriving meanwhile wait in arrival order and, when the call returns, go
 * out together as the next call (up to {@code maxBatch} at a time), in which the store
 * decides each of them individually and in order. Requests for different buckets never
 * wait for each other.
 * <p>
 * Every request still gets its own exact decision from the store, so limits hold across
 * any number of instances; what changes is that a hot bucket costs one round trip per
 * batch instead of one per request. A request whose caller is interrupted while waiting
 * may still be decided (and charged) by the store.
 */
public class CoalescingRateLimitStore implements RateLimitStore {

	/** The most requests sent in one call unless told otherwise. */
	public static final int DEFAULT_MAX_BATCH = 256;

	private final BatchRateLimitStore store;

	private final int maxBatch;

	// a bucket is present while a call for it is in flight; its value holds the requests
	// that arrived since, in order. Only ever read or changed inside compute().
	private final ConcurrentHashMap<Lane, ArrayDeque<Request>> waiting = new ConcurrentHashMap<>();

	public CoalescingRateLimitStore(BatchRateLimitStore store) {
		this(store, DEFAULT_MAX_BATCH);
	}

	public CoalescingRateLimitStore(BatchRateLimitStore store, int maxBatch) {
		if (maxBatch < 1) {
			throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
		}
		this.store = store;
		this.maxBatch = maxBatch;
	}

	@Override
	public Decision acquire(String bucket, List<Limit> limits, long cost) {
		// bad input fails here, alone, rather than the batch it would join
		if (limits.isEmpty()) {
			throw new IllegalArgumentException("at least one limit is needed");
		}
		if (cost < 1) {
			throw new IllegalArgumentException("cost must be at least 1, was " + cost);
		}
		Lane lane = new Lane(bucket, List.copyOf(limits));
		Request request = new Request(cost);
		boolean[] first = new boolean[1];
		this.waiting.compute(lane, (key, queue) -> {
			if (queue == null) {
				first[0] = true;
				return new ArrayDeque<>();
			}
			queue.add(request);
			return queue;
		});
		if (first[0]) {
			send(lane, List.of(request));
		}
		return request.await();
	}

	private void send(Lane lane, List<Request> batch) {
		List<Long> costs = new ArrayList<>(batch.size());
		for (Request request : batch) {
			costs.add(request.cost);
		}
		CompletionStage<List<Decision>> call;
		try {
			call = this.store.acquireAll(lane.bucket, lane.limits, costs);
		}
		catch (RuntimeException ex) {
			call = CompletableFuture.failedFuture(ex);
		}
		call.whenComplete((decisions, failure) -> completed(lane, batch, decisions, failure));
	}

	private void completed(Lane lane, List<Request> batch, List<Decision> decisions, Throwable failure) {
		// the next batch goes out before this one's callers are woken, to keep the bucket
		// busy
		List<Request> next = next(lane);
		if (next != null) {
			send(lane, next);
		}
		if (failure == null && (decisions == null || decisions.size() != batch.size())) {
			failure = new RateLimitStoreException("The store answered " + ((decisions != null) ? decisions.size() : 0)
					+ " decisions for " + batch.size() + " requests", null);
		}
		for (int i = 0; i < batch.size(); i++) {
			if (failure != null) {
				batch.get(i).future.completeExceptionally(failure);
			}
			else {
				batch.get(i).future.complete(decisions.get(i));
			}
		}
	}

	/** The requests that waited for this lane, or null (lane removed) when none did. */
	private List<Request> next(Lane lane) {
		List<Request> next = new ArrayList<>();
		this.waiting.compute(lane, (key, queue) -> {
			if (queue == null || queue.isEmpty()) {
				return null;
			}
			while (!queue.isEmpty() && next.size() < this.maxBatch) {
				next.add(queue.poll());
			}
			return queue;
		});
		return next.isEmpty() ? null : next;
	}

	private record Lane(String bucket, List<Limit> limits) {
	}

	private static final class Request {

		private final long cost;

		private final CompletableFuture<Decision> future = new CompletableFuture<>();

		Request(long cost) {
			this.cost = cost;
		}

		Decision await() {
			try {
				return this.future.get();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new RateLimitStoreException("Interrupted while waiting for a rate-limit decision", ex);
			}
			catch (ExecutionException ex) {
				Throwable cause = (ex.getCause() instanceof CompletionException wrapped && wrapped.getCause() != null)
						? wrapped.getCause() : ex.getCause();
				if (cause instanceof RateLimitStoreException store) {
					throw new RateLimitStoreException(store.getMessage(), store);
				}
				throw new RateLimitStoreException("Rate-limit decision failed: " + cause, cause);
			}
		}

	}

}
