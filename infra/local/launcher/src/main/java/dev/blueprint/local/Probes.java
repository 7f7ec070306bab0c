package dev.blueprint.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Readiness probes that make real requests, and the port check done before anything
 * starts.
 */
final class Probes {

	private static final int TIMEOUT_MILLIS = 2000;

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([A-Z_]+)\"");

	private Probes() {
	}

	/**
	 * Whether something accepts connections on, or holds a bind on,
	 * 127.0.0.1:{@code port}.
	 */
	static boolean portInUse(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
			return true;
		}
		catch (IOException notListening) {
			// fall through: try to bind, which also catches a listener on another local
			// address
		}
		try (ServerSocket server = new ServerSocket()) {
			server.setReuseAddress(true);
			server.bind(new InetSocketAddress("127.0.0.1", port));
			return false;
		}
		catch (IOException ex) {
			return true;
		}
	}

	/** Redis {@code INFO server}: the version when the server answers. */
	static Optional<String> redis(int port) {
		try (Socket socket = connect(port)) {
			OutputStream out = socket.getOutputStream();
			out.write("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			String reply = readSome(socket.getInputStream());
			Matcher version = Pattern.compile("redis_version:([^\r\n]+)").matcher(reply);
			return version.find() ? Optional.of("redis " + version.group(1)) : Optional.empty();
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	/** CQL {@code SELECT release_version FROM system.local}. */
	static Optional<String> cassandra(int port) {
		try {
			return Optional.of("cassandra " + CqlProbe.releaseVersion("127.0.0.1", port, TIMEOUT_MILLIS));
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	/** Actuator health of a service: ready when its overall status is UP. */
	static Optional<String> health(int port) {
		String status = healthStatus(port);
		return status.equals("UP") ? Optional.of(status) : Optional.empty();
	}

	/**
	 * The overall health status a service reports, or a word saying why there is none.
	 */
	static String healthStatus(int port) {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
			.timeout(Duration.ofSeconds(3))
			.build();
		try {
			return topLevelStatus(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body()).orElse("UNKNOWN");
		}
		catch (IOException ex) {
			return "UNREACHABLE";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "UNKNOWN";
		}
	}

	/**
	 * The {@code status} member of the outermost JSON object. Actuator lists the
	 * components (each with a status of its own) before the overall status, so the first
	 * match is not the answer.
	 */
	static Optional<String> topLevelStatus(String json) {
		int depth = 0;
		for (int i = 0; i < json.length(); i++) {
			char c = json.charAt(i);
			if (c == '"') {
				if (depth == 1) {
					Matcher status = STATUS.matcher(json).region(i, json.length());
					if (status.lookingAt()) {
						return Optional.of(status.group(1));
					}
				}
				i = endOfString(json, i);
			}
			else if (c == '{' || c == '[') {
				depth++;
			}
			else if (c == '}' || c == ']') {
				depth--;
			}
		}
		return Optional.empty();
	}

	private static int endOfString(String json, int openingQuote) {
		for (int i = openingQuote + 1; i < json.length(); i++) {
			char c = json.charAt(i);
			if (c == '\\') {
				i++;
			}
			else if (c == '"') {
				return i;
			}
		}
		return json.length();
	}

	private static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
		socket.setSoTimeout(TIMEOUT_MILLIS);
		return socket;
	}

	private static String readSome(InputStream in) throws IOException {
		byte[] buffer = new byte[16384];
		int read = in.read(buffer);
		return (read <= 0) ? "" : new String(buffer, 0, read, StandardCharsets.UTF_8);
	}

}
