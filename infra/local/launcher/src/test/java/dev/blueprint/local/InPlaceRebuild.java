package dev.blueprint.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A build's way of writing a jar, which the launcher's copies guard against: into the
 * existing file, which every process that has it open sees change.
 */
final class InPlaceRebuild {

	private InPlaceRebuild() {
	}

	/** Writes {@code content} into the existing {@code file} (same inode). */
	static void rewrite(Path file, String content) throws IOException {
		try (FileChannel rebuild = FileChannel.open(file, StandardOpenOption.WRITE,
				StandardOpenOption.TRUNCATE_EXISTING)) {
			rebuild.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
		}
	}

	/** What a process that opened a file before sees in it now (up to 64 bytes). */
	static String seenThrough(FileChannel opened) throws IOException {
		ByteBuffer seen = ByteBuffer.allocate(64);
		opened.read(seen, 0);
		return new String(seen.array(), 0, seen.position(), StandardCharsets.UTF_8);
	}

}
