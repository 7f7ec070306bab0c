package dev.blueprint.platform.kafka;

import java.io.IOException;
import java.net.ServerSocket;

/** An address no broker listens on: clients pointed at it find no Kafka at once. */
final class UnusedAddress {

	private UnusedAddress() {
	}

	static String next() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return "127.0.0.1:" + socket.getLocalPort();
		}
	}

}
