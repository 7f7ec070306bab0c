package dev.blueprint.testsupport;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.blueprint.local.LocalStack;
import dev.blueprint.local.Reaper;
import dev.blueprint.local.StackSettings;

/**
 * The build's shared test servers. The first test JVM that asks starts them (under a file
 * lock), later ones reuse them; a reaper tied to the Maven process stops them when the
 * build ends.
 */
public final class TestInfrastructure {

	private static volatile LocalStack.Endpoints endpoints;

	private TestInfrastructure() {
	}

	/**
	 * {@code local} (the default) or {@code docker}, from the {@code infra} system
	 * property.
	 */
	public static String mode() {
		return System.getProperty("infra", "local");
	}

	/** Starts the local test servers unless they run, and returns where they are. */
	public static LocalStack.Endpoints local() {
		LocalStack.Endpoints current = endpoints;
		if (current == null) {
			synchronized (TestInfrastructure.class) {
				current = endpoints;
				if (current == null) {
					current = start();
					endpoints = current;
				}
			}
		}
		return current;
	}

	/**
	 * The stack of the test servers, e.g. for tests that stop and start a server. Two
	 * builds on one machine can run side by side with their own
	 * {@code blueprint.test-infra.dir} and {@code blueprint.test-infra.port-offset}
	 * (default {@value dev.blueprint.local.StackSettings#TEST_PORT_OFFSET}).
	 */
	public static LocalStack stack() {
		Path repo = repoDir();
		Path state = Path
			.of(System.getProperty("blueprint.test-infra.dir", repo.resolve("target/test-infra").toString()));
		int offset = Integer.getInteger("blueprint.test-infra.port-offset", StackSettings.TEST_PORT_OFFSET);
		StackSettings defaults = StackSettings.forTests(repo, state);
		return new LocalStack(new StackSettings(repo, state, offset, defaults.cassandraHeap(), defaults.kafkaHeap(),
				defaults.serviceHeap(), defaults.redisMaxMemory()));
	}

	/**
	 * Stops one of the test servers ({@code redis}, {@code kafka} or {@code cassandra})
	 * for a failure test. Always pair with {@link #startServer} in a {@code finally} or
	 * {@code @AfterEach}: the other tests of the build share these servers.
	 */
	public static void stopServer(String name) {
		local();
		stack().stopServer(name);
	}

	/**
	 * Freezes one of the test servers (SIGSTOP): it keeps its connections and answers
	 * nothing, as a hung server does. Always pair with {@link #thawServer} in a
	 * {@code finally}: the other tests of the build share these servers.
	 */
	public static void freezeServer(String name) {
		local();
		stack().freezeServer(name, true);
	}

	/** Lets a frozen test server go on (SIGCONT). */
	public static void thawServer(String name) {
		stack().freezeServer(name, false);
	}

	/** Starts a stopped test server again and waits until it answers a real request. */
	public static void startServer(String name) {
		stack().startServer(name, System.out);
	}

	private static LocalStack.Endpoints start() {
		LocalStack stack = stack();
		Path lockFile = stack.settings().stateDir().resolve("start.lock");
		try {
			Files.createDirectories(lockFile.getParent());
			try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
					FileLock lock = channel.lock()) {
				PrintStream out = System.out;
				out.println("[test-support] real servers for tests in " + stack.settings().stateDir());
				LocalStack.Endpoints result = stack.upInfrastructure(out);
				Reaper.watch(stack, Reaper.buildOwnerPid());
				return result;
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The checkout: {@code blueprint.repo.dir} (set by the build), else the nearest
	 * ancestor of the working directory that holds infra/local.
	 */
	static Path repoDir() {
		String configured = System.getProperty("blueprint.repo.dir");
		if (configured != null) {
			return Path.of(configured);
		}
		Path dir = Path.of("").toAbsolutePath();
		while (dir != null && !Files.isDirectory(dir.resolve("infra/local/launcher"))) {
			dir = dir.getParent();
		}
		if (dir == null) {
			throw new IllegalStateException("Cannot find the Blueprint checkout above " + Path.of("").toAbsolutePath()
					+ "; set -Dblueprint.repo.dir");
		}
		return dir;
	}

}
