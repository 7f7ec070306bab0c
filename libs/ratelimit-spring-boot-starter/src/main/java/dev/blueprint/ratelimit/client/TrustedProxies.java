package dev.blueprint.ratelimit.client;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peers whose {@code X-Forwarded-For} is believed: addresses ({@code 10.0.0.1},
 * {@code ::1}) and ranges in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}). Behind
 * a Kubernetes ingress the proxies' addresses change with their pods, so only a range
 * (the cluster's pod network) names them. Only literal addresses are matched: a header
 * value that is a host name is never looked up, and is no trusted proxy.
 */
public final class TrustedProxies {

	private static final Pattern IPV4 = Pattern
		.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

	/**
	 * Starts with a hex digit or a colon and holds a colon: the JDK parses it as an IPv6
	 * literal (or refuses it) and never asks a name service.
	 */
	private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

	private static final Pattern IPV4_WITH_PORT = Pattern.compile("([0-9.]+):\\d{1,5}");

	private static final Pattern BRACKETED = Pattern.compile("\\[([0-9A-Fa-f:.]+)](:\\d{1,5})?");

	private final List<Range> ranges;

	private TrustedProxies(List<Range> ranges) {
		this.ranges = List.copyOf(ranges);
	}

	/**
	 * @param entries addresses and CIDR ranges; blank entries are ignored
	 * @throws IllegalArgumentException naming an entry that is neither
	 */
	public static TrustedProxies of(List<String> entries) {
		List<Range> ranges = new ArrayList<>();
		for (String entry : entries) {
			String trimmed = entry.strip();
			if (!trimmed.isEmpty()) {
				ranges.add(Range.parse(trimmed));
			}
		}
		return new TrustedProxies(ranges);
	}

	/** Whether none are trusted. */
	public boolean isEmpty() {
		return this.ranges.isEmpty();
	}

	/** Whether {@code address} (a literal IPv4 or IPv6 address) is a trusted proxy's. */
	public boolean contains(String address) {
		if (this.ranges.isEmpty()) {
			return false;
		}
		byte[] bytes = literal(address.strip());
		if (bytes == null) {
			return false;
		}
		for (Range range : this.ranges) {
			if (range.contains(bytes)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * An {@code X-Forwarded-For} hop as an address in its usual form
	 * ({@code 203.0.113.7}, {@code 2001:db8:0:0:0:0:0:1}), without a port some proxies
	 * add ({@code 203.0.113.7:4711}, {@code [2001:db8::1]:443}); null if it is no literal
	 * address (nothing is looked up).
	 */
	public static String normalized(String hop) {
		String address = hop.strip();
		Matcher withPort = IPV4_WITH_PORT.matcher(address);
		Matcher bracketed = BRACKETED.matcher(address);
		if (withPort.matches()) {
			address = withPort.group(1);
		}
		else if (bracketed.matches()) {
			address = bracketed.group(1);
		}
		byte[] bytes = literal(address);
		if (bytes == null) {
			return null;
		}
		try {
			return InetAddress.getByAddress(bytes).getHostAddress();
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	/**
	 * The bytes of a literal address, or null if it is not one (nothing is looked up):
	 * dotted IPv4 with each part 0-255, or IPv6 as the JDK parses it.
	 */
	private static byte[] literal(String address) {
		boolean ipv4 = IPV4.matcher(address).matches();
		if (!ipv4 && !(address.indexOf(':') >= 0 && IPV6.matcher(address).matches())) {
			return null;
		}
		try {
			// a literal: no name service is asked
			return InetAddress.getByName(address).getAddress();
		}
		catch (UnknownHostException | IllegalArgumentException ex) {
			return null;
		}
	}

	private record Range(byte[] network, int prefix) {

		static Range parse(String entry) {
			int slash = entry.indexOf('/');
			String address = (slash < 0) ? entry : entry.substring(0, slash);
			byte[] bytes = literal(address);
			if (bytes == null) {
				throw new IllegalArgumentException("blueprint.ratelimit.client.trusted-proxies: '" + entry
						+ "' is neither an IP address nor a CIDR range");
			}
			int prefix = bytes.length * 8;
			if (slash >= 0) {
				try {
					prefix = Integer.parseInt(entry.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					prefix = -1;
				}
				if (prefix < 0 || prefix > bytes.length * 8) {
					throw new IllegalArgumentException("blueprint.ratelimit.client.trusted-proxies: '" + entry
							+ "' has a prefix length outside 0-" + (bytes.length * 8));
				}
			}
			return new Range(bytes, prefix);
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int whole = this.prefix / 8;
			for (int i = 0; i < whole; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (address[whole] & mask) == (this.network[whole] & mask);
		}

	}

}
