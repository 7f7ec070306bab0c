package dev.blueprint.chat.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A STOMP client over a plain socket that stops reading once it has subscribed: its
 * receive buffer is a few KiB, so the gateway's writes to it soon block, as they do for a
 * client on a dead mobile link or one that is just slow. A WebSocket client library would
 * keep reading.
 */
final class StalledClient implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private StalledClient(Socket socket) throws IOException {
		this.socket = socket;
		this.in = socket.getInputStream();
		this.out = socket.getOutputStream();
	}

	/**
	 * Connects to {@code /ws} as the token's user, subscribes to
	 * {@code /user/queue/messages}, waits until the gateway has handled that and then
	 * reads nothing more.
	 */
	static StalledClient subscribe(int port, String token) throws IOException {
		Socket socket = new Socket();
		socket.setReceiveBufferSize(2048);
		socket.connect(new java.net.InetSocketAddress("localhost", port), 5000);
		socket.setSoTimeout(15_000);
		StalledClient client = new StalledClient(socket);
		client.out
			.write(("GET /ws HTTP/1.1\r\nHost: localhost:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
		client.readUntil("\r\n\r\n");
		client.frame(RawStompSocket.frame("CONNECT", "", "accept-version:1.2", "heart-beat:0,0",
				"Authorization:Bearer " + token));
		client.frame(RawStompSocket.frame("SUBSCRIBE", "", "id:0", "destination:/user/queue/messages"));
		client.frame(RawStompSocket.frame("SUBSCRIBE", "", "id:1", "destination:/user/queue/errors"));
		// Frames of a session are handled in order: once the error for this one comes,
		// the subscriptions are in place.
		client.frame(RawStompSocket.frame("SEND", "{}", "destination:/app/sync"));
		client.readUntil("unknown-destination");
		return client;
	}

	/**
	 * Whether the gateway closed the connection within the timeout (what arrives
	 * meanwhile is read and dropped).
	 */
	boolean closedWithin(Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		byte[] buffer = new byte[64 * 1024];
		while (System.nanoTime() < deadline) {
			this.socket.setSoTimeout((int) Math.max(1, Math.min(1000, (deadline - System.nanoTime()) / 1_000_000)));
			try {
				if (this.in.read(buffer) < 0) {
					return true;
				}
			}
			catch (SocketTimeoutException ex) {
				// still open
			}
			catch (IOException ex) {
				return true; // reset
			}
		}
		return false;
	}

	private void readUntil(String marker) throws IOException {
		ByteArrayOutputStream seen = new ByteArrayOutputStream();
		while (!seen.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
			int b = this.in.read();
			if (b < 0) {
				throw new IOException("closed before " + marker + ": " + seen.toString(StandardCharsets.UTF_8));
			}
			seen.write(b);
		}
	}

	/** A masked text frame, as a client must send it. */
	private void frame(String text) throws IOException {
		byte[] payload = text.getBytes(StandardCharsets.UTF_8);
		ByteArrayOutputStream frame = new ByteArrayOutputStream();
		frame.write(0x81);
		if (payload.length < 126) {
			frame.write(0x80 | payload.length);
		}
		else {
			frame.write(0x80 | 126);
			frame.write(payload.length >>> 8);
			frame.write(payload.length & 0xff);
		}
		byte[] mask = new byte[4];
		ThreadLocalRandom.current().nextBytes(mask);
		frame.write(mask);
		for (int i = 0; i < payload.length; i++) {
			frame.write(payload[i] ^ mask[i % 4]);
		}
		this.out.write(frame.toByteArray());
		this.out.flush();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
