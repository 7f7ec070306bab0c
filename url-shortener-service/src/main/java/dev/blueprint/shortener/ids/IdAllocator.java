package dev.blueprint.shortener.ids;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Hands out IDs from an in-memory block and leases the next block in the background once
 * no more than {@code refillThreshold} IDs remain, so the request path only waits for the
 * counter when the prefetch has not finished (or failed) before the block ran out.
 * <p>
 * IDs left in a block when the process stops are never issued: a restart wastes at most
 * two blocks, which the size of the space makes irrelevant (see the README).
 */
public final class IdAllocator {

	private final IdBlockSource source;

	private final int blockSize;

	private final long refillThreshold;

	private final Executor executor;

	private long next;

	private long end;

	private CompletableFuture<IdBlock> prefetch;

	/**
	 * @param source the durable counter
	 * @param blockSize IDs per lease
	 * @param refillThreshold remaining IDs at which the next block is leased
	 * @param executor runs the background lease
	 */
	public IdAllocator(IdBlockSource source, int blockSize, long refillThreshold, Executor executor) {
		if (blockSize <= 0 || refillThreshold < 0 || refillThreshold >= blockSize) {
			throw new IllegalArgumentException("need 0 <= refillThreshold < blockSize, got blockSize " + blockSize
					+ " and refillThreshold " + refillThreshold);
		}
		this.source = source;
		this.blockSize = blockSize;
		this.refillThreshold = refillThreshold;
		this.executor = executor;
	}

	/** The next unused ID. */
	public synchronized long nextId() {
		if (this.next >= this.end) {
			IdBlock block = awaitBlock();
			this.next = block.start();
			this.end = block.end();
		}
		long id = this.next++;
		if (this.end - this.next <= this.refillThreshold) {
			startPrefetch();
		}
		return id;
	}

	/** IDs left in the current block, for metrics. */
	public synchronized long remaining() {
		return this.end - this.next;
	}

	private IdBlock awaitBlock() {
		startPrefetch();
		CompletableFuture<IdBlock> pending = this.prefetch;
		this.prefetch = null;
		try {
			return pending.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw ex;
		}
	}

	private void startPrefetch() {
		if (this.prefetch != null && this.prefetch.isCompletedExceptionally()) {
			// a failed background lease is retried by the next caller, not cached forever
			this.prefetch = null;
		}
		if (this.prefetch == null) {
			this.prefetch = CompletableFuture.supplyAsync(() -> this.source.lease(this.blockSize), this.executor);
		}
	}

}
