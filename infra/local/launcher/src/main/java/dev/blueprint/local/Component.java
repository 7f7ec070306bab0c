package dev.blueprint.local;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One process of a local stack: a server (Redis, Kafka, Cassandra) or a service. The
 * launcher checks its ports, starts it from {@link #command()}, and waits until
 * {@link #probe()} answers.
 */
interface Component {

	/** Unique name within a stack; names the pid file and the log. */
	String name();

	/** The port clients use. */
	int port();

	/** Every port the process binds; all must be free before anything starts. */
	List<Integer> ports();

	/** Writes whatever config the process needs and returns the command to start it. */
	ProcessBuilder command() throws IOException;

	/**
	 * A real request against the running process (a CQL query, a Kafka admin call, a
	 * Redis PING, an HTTP health check).
	 * @return a short description of what answered when ready, empty when not (yet) ready
	 */
	Optional<String> probe();

	/**
	 * How long a start may take before it counts as failed. Cassandra's cold start took
	 * 15 s on a quiet 2-core machine and over 120 s with two other builds running on it.
	 */
	default Duration startTimeout() {
		return Duration.ofSeconds(300);
	}

	/**
	 * The Linux timer slack its process starts with (every thread inherits it), in
	 * nanoseconds; 0 keeps the launcher's (50 µs by default). See {@link TimerSlack}.
	 */
	default long timerSlackNanos() {
		return 0;
	}

	/** How long to wait after SIGTERM before the process is killed. */
	default Duration stopTimeout() {
		return Duration.ofSeconds(20);
	}

}
