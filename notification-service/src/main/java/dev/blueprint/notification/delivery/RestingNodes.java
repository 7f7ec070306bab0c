package dev.blueprint.notification.delivery;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Redis nodes (by cluster node id) that did not answer in time, left alone for a while:
 * shared by the session lookup, which finds a dead node first (it reads from every node
 * that holds a recipient's key), and the publisher, which then publishes through another.
 */
public final class RestingNodes {

	private final Duration rest;

	private final LongSupplier nanos;

	/** Until when each node rests (on {@link #nanos}). */
	private final Map<String, Long> until = new ConcurrentHashMap<>();

	/**
	 * @param rest how long a node rests after it did not answer in time (positive)
	 */
	public RestingNodes(Duration rest) {
		this(rest, System::nanoTime);
	}

	/**
	 * @param nanos the clock ({@link System#nanoTime()} but in tests)
	 */
	RestingNodes(Duration rest, LongSupplier nanos) {
		if (rest.isZero() || rest.isNegative()) {
			throw new IllegalArgumentException("the rest must be positive, was " + rest);
		}
		this.rest = rest;
		this.nanos = nanos;
	}

	/** How long a node rests. */
	public Duration rest() {
		return this.rest;
	}

	/** Whether {@code node} rests now. */
	public boolean rests(String node) {
		Long end = this.until.get(node);
		if (end == null) {
			return false;
		}
		if (end - this.nanos.getAsLong() <= 0) {
			this.until.remove(node, end);
			return false;
		}
		return true;
	}

	/** {@code node} did not answer in time: it rests from now. */
	public void rest(String node) {
		this.until.put(node, this.nanos.getAsLong() + this.rest.toNanos());
	}

}
