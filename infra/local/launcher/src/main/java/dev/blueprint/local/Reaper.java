package dev.blueprint.local;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Ties a stack's life to an owner process: a small detached JVM that polls the owner and
 * runs {@link LocalStack#down} once it is gone. The build uses it so that the servers it
 * starts for integration tests stop when Maven exits, whether the tests passed, failed or
 * the build was killed.
 */
public final class Reaper {

	static final String NAME = "reaper";

	private Reaper() {
	}

	/** Starts a reaper for {@code ownerPid} unless this stack has one already. */
	public static void watch(LocalStack stack, long ownerPid) {
		Supervisor supervisor = stack.supervisor();
		if (supervisor.running(NAME).isPresent()) {
			return;
		}
		String classpath;
		try {
			classpath = Path.of(Reaper.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
		}
		catch (java.net.URISyntaxException ex) {
			throw new LauncherException("Cannot locate the launcher's classes", ex);
		}
		ProcessBuilder builder = new ProcessBuilder(
				Launch.detached(List.of(Launch.java(Path.of(System.getProperty("java.home"))), "-Xmx32m",
						"-XX:+UseSerialGC", "-cp", classpath, Main.class.getName(), "reap", Long.toString(ownerPid))));
		StackSettings settings = stack.settings();
		builder.environment().put("BLUEPRINT_REPO_DIR", settings.repoDir().toString());
		builder.environment().put("BLUEPRINT_STATE_DIR", settings.stateDir().toString());
		builder.environment().put("BLUEPRINT_PORT_OFFSET", Integer.toString(settings.portOffset()));
		try {
			supervisor.start(NAME, builder);
		}
		catch (IOException ex) {
			throw new LauncherException("Cannot start the reaper: " + ex.getMessage(), ex);
		}
	}

	/** Blocks until {@code ownerPid} exits, then stops the stack. */
	static void run(LocalStack stack, long ownerPid, PrintStream out) throws InterruptedException {
		Optional<ProcessHandle> owner = ProcessHandle.of(ownerPid);
		out.println("watching pid " + ownerPid);
		while (owner.map(ProcessHandle::isAlive).orElse(false)) {
			Thread.sleep(1000);
		}
		out.println("owner " + ownerPid + " exited; stopping the stack");
		stack.stop(stack.supervisor().recorded().stream().filter((name) -> !name.equals(NAME)).toList(), out);
		stack.supervisor().forget(NAME);
	}

	/**
	 * The Maven JVM this process runs under (the nearest ancestor running Maven's
	 * launcher), or this process when there is none (an IDE run).
	 */
	public static long buildOwnerPid() {
		Optional<ProcessHandle> ancestor = ProcessHandle.current().parent();
		while (ancestor.isPresent()) {
			ProcessHandle handle = ancestor.get();
			String commandLine = handle.info().commandLine().orElse("");
			if (commandLine.contains("org.codehaus.plexus.classworlds.launcher.Launcher")
					|| commandLine.contains("plexus-classworlds")) {
				return handle.pid();
			}
			ancestor = handle.parent();
		}
		return ProcessHandle.current().pid();
	}

}
