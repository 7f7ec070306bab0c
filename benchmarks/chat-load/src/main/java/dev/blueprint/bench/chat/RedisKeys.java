package dev.blueprint.bench.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Counts the keys matching a pattern on the stack's Redis by walking {@code SCAN}'s
 * cursor ({@code COUNT 1000} per call, over a plain socket: the benchmark needs one
 * number, not a client library). {@code KEYS} would answer in one call but hold Redis for
 * the whole keyspace each time, in the middle of what is being measured. Used to see when
 * the session registry has forgotten closed sessions.
 */
final class RedisKeys {

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
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
			String cursor = "0";
			long count = 0;
			do {
				out.write(command("SCAN", cursor, "MATCH", pattern, "COUNT", "1000"));
				out.flush();
				// *2, then the next cursor as a bulk string, then an array of keys
				if (!"*2".equals(in.readLine())) {
					return -1;
				}
				in.readLine();
				cursor = in.readLine();
				String keys = in.readLine();
				if (cursor == null || keys == null || !keys.startsWith("*")) {
					return -1;
				}
				int n = Integer.parseInt(keys.substring(1));
				for (int i = 0; i < n; i++) {
					in.readLine();
					in.readLine();
				}
				count += n;
			}
			while (!"0".equals(cursor));
			return count;
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
