package dev.blueprint.chat.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A WebSocket handshake over a plain socket, offering {@code permessage-deflate} the way
 * Chromium does, to read what the server answers (Java's HTTP client does not let a
 * caller set {@code Sec-WebSocket-Extensions}, and a WebSocket client hides the
 * response).
 */
public final class Handshake {

	private Handshake() {
	}

	/**
	 * The response's status line and headers, lower-cased names, e.g.
	 * {@code sec-websocket-extensions: permessage-deflate}.
	 */
	public static List<String> offeringCompression(int port, String path) throws IOException {
		try (Socket socket = new Socket("localhost", port)) {
			socket.setSoTimeout(10_000);
			String request = "GET " + path + " HTTP/1.1\r\n" + "Host: localhost:" + port + "\r\n"
					+ "Upgrade: websocket\r\n" + "Connection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + "Sec-WebSocket-Version: 13\r\n"
					+ "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" + "\r\n";
			socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
			BufferedReader response = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
			List<String> lines = new ArrayList<>();
			for (String line = response.readLine(); line != null && !line.isEmpty(); line = response.readLine()) {
				int colon = line.indexOf(':');
				lines.add(lines.isEmpty() || colon < 0 ? line
						: line.substring(0, colon).toLowerCase(java.util.Locale.ROOT) + line.substring(colon));
			}
			return lines;
		}
	}

}
