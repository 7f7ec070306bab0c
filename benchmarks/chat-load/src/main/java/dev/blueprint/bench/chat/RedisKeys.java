package dev.blueprint.bench.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Counts the keys matching a pattern on the stack's Redis (one {@code EVAL} of
 * {@code KEYS}, over a plain socket: the benchmark needs one number, not a client
 * library). Used to see when the session registry has forgotten closed sessions.
 */
final class RedisKeys {

	private static final String SCRIPT = "return #redis.call('keys', ARGV[1])";

	private final String host;

	private final int port;

	RedisKeys(String address) {
		int colon = address.lastIndexOf(':');
		this.host = address.substring(0, colon);
		this.port = Integer.parseInt(address.substring(colon + 1));
	}

	/** How many keys match, or -1 if Redis did not answer. */
	long count(String pattern) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(this.host, this.port), 2000);
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write(command("EVAL", SCRIPT, "0", pattern));
			out.flush();
			String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
				.readLine();
			return (reply != null && reply.startsWith(":")) ? Long.parseLong(reply.substring(1)) : -1;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	private static byte[] command(String... parts) {
		StringBuilder resp = new StringBuilder("*").append(parts.length).append("\r\n");
		for (String part : parts) {
			resp.append('$')
				.append(part.getBytes(StandardCharsets.UTF_8).length)
				.append("\r\n")
				.append(part)
				.append("\r\n");
		}
		return resp.toString().getBytes(StandardCharsets.UTF_8);
	}

}
