package io.walletoutbox.app.internal.auth;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Whose {@code X-Forwarded-For} is believed ({@code TRUSTED_PROXIES}: address ranges in CIDR notation). The client
 * address of a request is its peer's, unless the peer is a trusted proxy: then the {@code X-Forwarded-For} entries
 * are read from the right (the hop nearest to this service) and the first one that is not a trusted proxy is the
 * client. Anything else in the header is the client's own writing and is ignored. Addresses are parsed as literals,
 * never looked up.
 */
public final class TrustedProxies {
    /** No proxy is trusted: the peer address is the client address. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Parses a comma-separated list of CIDR ranges ({@code 10.0.0.0/8, fd00::/8}; a bare address is one host).
     *
     * @throws IllegalArgumentException naming the first entry that is not a range
     */
    public static TrustedProxies parse(String list) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : list.split(",")) {
            String e = entry.strip();
            if (!e.isEmpty()) {
                ranges.add(Range.parse(e));
            }
        }
        return ranges.isEmpty() ? NONE : new TrustedProxies(ranges);
    }

    /** The client address of a request from {@code peer} carrying {@code forwardedFor} (may be null). */
    public String clientAddress(String peer, String forwardedFor) {
        if (ranges.isEmpty() || forwardedFor == null || !trusted(peer)) {
            return peer;
        }
        String client = peer;
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            InetAddress hop = literal(hops[i].strip());
            if (hop == null) {
                return client; // not an address: whatever is left of it is not believed
            }
            client = hop.getHostAddress();
            if (!trusted(hop)) {
                return client;
            }
        }
        return client;
    }

    /** True when {@code address} (a literal) lies in a trusted range. */
    public boolean trusted(String address) {
        InetAddress a = literal(address);
        return a != null && trusted(a);
    }

    private boolean trusted(InetAddress address) {
        return ranges.stream().anyMatch(r -> r.contains(address));
    }

    @Override
    public String toString() {
        return ranges.toString();
    }

    private static InetAddress literal(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        try {
            return InetAddress.ofLiteral(t);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** One CIDR range. */
    private record Range(byte[] network, int prefix, String text) {
        static Range parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = literal(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("'" + text + "' is not an address range such as 10.0.0.0/8");
            }
            byte[] bytes = address.getAddress();
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException(
                            "'" + text + "' has a prefix length outside 0.." + bytes.length * 8);
                }
            }
            return new Range(bytes, prefix, text);
        }

        boolean contains(InetAddress address) {
            byte[] b = address.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
