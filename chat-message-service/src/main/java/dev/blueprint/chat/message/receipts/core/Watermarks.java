package dev.blueprint.chat.message.receipts.core;

import dev.blueprint.chat.contracts.GatewayDelivery.Receipt;

/**
 * A member's watermarks of one conversation: received (by a first device) and read up to
 * which seq; 0 before any. Reading implies delivery, so {@code delivered >= read}.
 */
public record Watermarks(long delivered, long read) {

	public static final Watermarks NONE = new Watermarks(0, 0);

	/**
	 * These watermarks raised by a receipt of {@code kind} for {@code seq}: never
	 * lowered; a read raises delivered too.
	 */
	public Watermarks raise(String kind, long seq) {
		if (Receipt.READ.equals(kind)) {
			return new Watermarks(Math.max(this.delivered, seq), Math.max(this.read, seq));
		}
		return new Watermarks(Math.max(this.delivered, seq), this.read);
	}

	/** The watermark of {@code kind}. */
	public long of(String kind) {
		return Receipt.READ.equals(kind) ? this.read : this.delivered;
	}

}
