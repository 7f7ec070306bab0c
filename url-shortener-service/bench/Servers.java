import java.nio.file.Path;

import dev.blueprint.local.LocalStack;
import dev.blueprint.local.StackSettings;

/**
 * Starts or stops the benchmark's own Redis and Cassandra with the local launcher:
 * {@code java -cp <launcher.jar> Servers.java <repo> <state-dir> <port-offset> up|down}.
 */
public class Servers {

	public static void main(String[] args) {
		LocalStack stack = new LocalStack(new StackSettings(Path.of(args[0]), Path.of(args[1]),
				Integer.parseInt(args[2]), "512m", "384m", "256m", "256mb"));
		if (args[3].equals("up")) {
			stack.startServer("redis", System.out);
			stack.startServer("cassandra", System.out);
		}
		else {
			stack.down(System.out);
		}
	}

}
