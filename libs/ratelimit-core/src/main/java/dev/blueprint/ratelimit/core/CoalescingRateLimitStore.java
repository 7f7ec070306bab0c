package dev.blueprint.ratelimit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Coalesces concurrent decisions on one bucket into one store call while staying exact.
 * One call per bucket (and set of limits) is in flight from this store; requests for that
 * bucket arriving meanwhile wait in arrival order and, when the call returns, go out
 * together as the next call (up to {@code maxBatch} at a time), in which the store
 * decides each of them individually and in order. Requests for different buckets never
 * wait for each other. Lock-free: under contention on a hot bucket no caller blocks
 * another; in a rare race with an idle bucket being forgotten, two calls for it may be in
 * flight, which costs coalescing, not exactness.
 * <p>
 * Every request still gets its own exact decision from the store, so limits hold across
 * any number of instances; what changes is that a hot bucket costs one round trip per
 * batch instead of one per request. A request whose caller is interrupted while waiting
 * may still be decided (and charged) by the store. When a call fails, the requests that
 * queued behind it fail with it rather than wait for another call to the same store.
 */
public class CoalescingRateLimitStore implements RateLimitStore {

	/** The most requests sent in one call unless told otherwise. */
	public static final int DEFAULT_MAX_BATCH = 256;

	private final BatchRateLimitStore store;

	private final int maxBatch;

	private final ConcurrentHashMap<Lane, Queue> queues = new ConcurrentHashMap<>();

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
		RateLimitStore.requireValid(limits, cost);
		Lane key = new Lane(bucket, List.copyOf(limits));
		Queue queue = this.queues.get(key);
		if (queue == null) {
			queue = this.queues.computeIfAbsent(key, Queue::new);
		}
		Request request = new Request(cost);
		queue.waiting.add(request);
		drain(queue);
		return request.await();
	}

	/**
	 * Sends what waits unless a call is in flight. Lock-free: whoever finds the queue
	 * idle sends; a request added while the sender was giving the queue up is picked up
	 * by the loop.
	 */
	private boolean drain(Queue queue) {
		while (queue.inFlight.compareAndSet(false, true)) {
			List<Request> batch = new ArrayList<>();
			Request next;
			while (batch.size() < this.maxBatch && (next = queue.waiting.poll()) != null) {
				batch.add(next);
			}
			if (!batch.isEmpty()) {
				send(queue, batch);
				return true;
			}
			queue.inFlight.set(false);
			if (queue.waiting.isEmpty()) {
				return false;
			}
		}
		return false;
	}

	private void send(Queue queue, List<Request> batch) {
		List<Long> costs = new ArrayList<>(batch.size());
		for (Request request : batch) {
			costs.add(request.cost);
		}
		CompletionStage<List<Decision>> call;
		try {
			call = this.store.acquireAll(queue.lane.bucket, queue.lane.limits, costs);
		}
		catch (RuntimeException ex) {
			call = CompletableFuture.failedFuture(ex);
		}
		call.whenComplete((decisions, failure) -> completed(queue, batch, decisions, failure));
	}

	private void completed(Queue queue, List<Request> batch, List<Decision> decisions, Throwable failure) {
		List<Request> answered = batch;
		try {
			if (failure != null) {
				// What queued behind a failed call fails with it instead of going to the
				// same store next: behind a hung Redis each request waited two timeouts
				// (more behind a full batch), not the one a decision may take; failed
				// now, they take their rule's failure policy, and the breaker sees them.
				answered = new ArrayList<>(batch);
				Request waiting;
				while ((waiting = queue.waiting.poll()) != null) {
					answered.add(waiting);
				}
			}
			// the next batch goes out before this one's callers are woken, to keep the
			// key busy
			queue.inFlight.set(false);
			if (!drain(queue) && !queue.inFlight.get() && queue.waiting.isEmpty()) {
				// idle: forget it. A request that found it just before still drains it
				// itself.
				this.queues.remove(queue.lane, queue);
			}
		}
		finally {
			// whatever happened above, no caller of this batch is left waiting
			answer(answered, decisions, failure);
		}
	}

	private static void answer(List<Request> batch, List<Decision> decisions, Throwable failure) {
		// (with a failure, batch also holds the requests that queued behind the call)
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

	/** The requests waiting for one lane, and whether a call for it is in flight. */
	private static final class Queue {

		private final Lane lane;

		private final ConcurrentLinkedQueue<Request> waiting = new ConcurrentLinkedQueue<>();

		private final AtomicBoolean inFlight = new AtomicBoolean();

		Queue(Lane lane) {
			this.lane = lane;
		}

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
				// Not the store failing but a bug (e.g. arguments the store cannot send):
				// as a store failure it would open a circuit breaker for every rule.
				throw new IllegalStateException("Rate-limit decision failed: " + cause, cause);
			}
		}

	}

}
