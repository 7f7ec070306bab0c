package dev.blueprint.local;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of the CQL native protocol (v4) to ask a node for {@code release_version}:
 * a real query, so "ready" means the node serves CQL, not merely that its port is open.
 * The launcher has no runtime dependencies, so it cannot use the Java driver.
 */
final class CqlProbe {

	private static final int VERSION_REQUEST = 0x04;

	private static final int OP_ERROR = 0x00;

	private static final int OP_STARTUP = 0x01;

	private static final int OP_READY = 0x02;

	private static final int OP_QUERY = 0x07;

	private static final int OP_RESULT = 0x08;

	private static final int RESULT_ROWS = 0x0002;

	private static final int GLOBAL_TABLES_SPEC = 0x0001;

	private static final int CONSISTENCY_ONE = 0x0001;

	private CqlProbe() {
	}

	static String releaseVersion(String host, int port, int timeoutMillis) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), timeoutMillis);
			socket.setSoTimeout(timeoutMillis);
			DataOutputStream out = new DataOutputStream(socket.getOutputStream());
			DataInputStream in = new DataInputStream(socket.getInputStream());

			ByteArrayOutputStream startup = new ByteArrayOutputStream();
			DataOutputStream body = new DataOutputStream(startup);
			body.writeShort(1);
			writeString(body, "CQL_VERSION");
			writeString(body, "3.0.0");
			send(out, 0, OP_STARTUP, startup.toByteArray());
			expect(in, OP_READY);

			ByteArrayOutputStream query = new ByteArrayOutputStream();
			body = new DataOutputStream(query);
			byte[] cql = "SELECT release_version FROM system.local".getBytes(StandardCharsets.UTF_8);
			body.writeInt(cql.length);
			body.write(cql);
			body.writeShort(CONSISTENCY_ONE);
			body.writeByte(0);
			send(out, 1, OP_QUERY, query.toByteArray());
			DataInputStream result = expect(in, OP_RESULT);
			if (result.readInt() != RESULT_ROWS) {
				throw new IOException("unexpected CQL result kind");
			}
			int flags = result.readInt();
			int columns = result.readInt();
			if ((flags & GLOBAL_TABLES_SPEC) != 0) {
				readString(result);
				readString(result);
			}
			for (int i = 0; i < columns; i++) {
				if ((flags & GLOBAL_TABLES_SPEC) == 0) {
					readString(result);
					readString(result);
				}
				readString(result);
				result.readShort(); // type id: varchar, no type parameters
			}
			if (result.readInt() < 1) {
				throw new IOException("system.local returned no row");
			}
			byte[] value = new byte[result.readInt()];
			result.readFully(value);
			return new String(value, StandardCharsets.UTF_8);
		}
	}

	private static void send(DataOutputStream out, int stream, int opcode, byte[] body) throws IOException {
		out.writeByte(VERSION_REQUEST);
		out.writeByte(0);
		out.writeShort(stream);
		out.writeByte(opcode);
		out.writeInt(body.length);
		out.write(body);
		out.flush();
	}

	private static DataInputStream expect(DataInputStream in, int opcode) throws IOException {
		in.readUnsignedByte(); // response version
		in.readUnsignedByte(); // flags
		in.readShort(); // stream
		int actual = in.readUnsignedByte();
		byte[] body = new byte[in.readInt()];
		in.readFully(body);
		DataInputStream frame = new DataInputStream(new java.io.ByteArrayInputStream(body));
		if (actual == OP_ERROR) {
			frame.readInt();
			throw new IOException("CQL error: " + readString(frame));
		}
		if (actual != opcode) {
			throw new IOException("unexpected CQL opcode " + actual);
		}
		return frame;
	}

	private static void writeString(DataOutputStream out, String value) throws IOException {
		byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
		out.writeShort(bytes.length);
		out.write(bytes);
	}

	private static String readString(DataInputStream in) throws IOException {
		byte[] bytes = new byte[in.readUnsignedShort()];
		in.readFully(bytes);
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
