package io.walletoutbox.ops;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OTLP/HTTP trace receiver for benchmarks: accepts {@code POST /v1/traces} (protobuf), answers 200 at once,
 * counts requests, bytes and spans, and keeps nothing else. The tracing cost benchmarks export to it so that the
 * service pays the whole export (serialisation, HTTP) while the receiver stays cheap and on the same machine.
 *
 * <p>Usage: {@code OtlpSink <port> [<count file>]}: listens on 127.0.0.1:port (0: any free port, printed as
 * {@code OTLP sink listening on <port>}); on each request rewrites the count file (when given) with one line
 * {@code requests=<n> bytes=<n> spans=<n>}.
 */
public final class OtlpSink {
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong spans = new AtomicLong();

    private OtlpSink() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: OtlpSink <port> [<count file>]");
            System.exit(2);
        }
        Path countFile = args.length > 1 ? Path.of(args[1]) : null;
        var sink = new OtlpSink();
        var server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/traces", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                sink.requests.incrementAndGet();
                sink.bytes.addAndGet(body.length);
                sink.spans.addAndGet(countSpans(body));
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
                if (countFile != null) {
                    synchronized (sink) {
                        Files.writeString(countFile, sink.counts() + "\n");
                    }
                }
            }
        });
        server.start();
        System.out.println("OTLP sink listening on " + server.getAddress().getPort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("OTLP sink " + sink.counts())));
    }

    private String counts() {
        return "requests=" + requests.get() + " bytes=" + bytes.get() + " spans=" + spans.get();
    }

    /**
     * The spans of an {@code ExportTraceServiceRequest}: field 1 (resource_spans) → field 2 (scope_spans) → field 2
     * (spans), each a length-delimited message; anything unreadable counts as no span.
     */
    static long countSpans(byte[] request) {
        try {
            return count(request, 0, request.length, 0);
        } catch (RuntimeException malformed) {
            return 0;
        }
    }

    private static final int[] PATH = {1, 2, 2};

    private static long count(byte[] b, int from, int to, int depth) {
        long n = 0;
        int i = from;
        while (i < to) {
            long[] key = varint(b, i);
            i = (int) key[1];
            int field = (int) (key[0] >>> 3);
            int type = (int) (key[0] & 7);
            switch (type) {
                case 0 -> i = (int) varint(b, i)[1];
                case 1 -> i += 8;
                case 5 -> i += 4;
                case 2 -> {
                    long[] len = varint(b, i);
                    int start = (int) len[1];
                    int end = start + (int) len[0];
                    if (end > to || end < start) {
                        throw new IllegalArgumentException("length past the message");
                    }
                    if (field == PATH[depth]) {
                        n += depth == PATH.length - 1 ? 1 : count(b, start, end, depth + 1);
                    }
                    i = end;
                }
                default -> throw new IllegalArgumentException("wire type " + type);
            }
        }
        return n;
    }

    /** {value, next index} of the varint at {@code i}. */
    private static long[] varint(byte[] b, int i) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b[i++];
            value |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return new long[] {value, i};
            }
        }
        throw new IllegalArgumentException("varint too long");
    }
}
