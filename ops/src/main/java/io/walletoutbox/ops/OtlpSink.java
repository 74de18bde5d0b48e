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
 * <p>Usage: {@code OtlpSink <port> [<count file> [<span file>]]}: listens on 127.0.0.1:port (0: any free port,
 * printed as {@code OTLP sink listening on <port>}); on each request rewrites the count file (when given) with one
 * line {@code requests=<n> bytes=<n> spans=<n>}, and appends to the span file (when given) one line per span:
 * {@code <trace id> <span id> <parent span id or -> <kind> <name>} (ids in hex, kind as OTLP numbers it: 1 internal,
 * 2 server, 3 client, 4 producer, 5 consumer), so that a trace can be followed with {@code grep <trace id>}.
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
        Path spanFile = args.length > 2 ? Path.of(args[2]) : null;
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
                synchronized (sink) {
                    if (countFile != null) {
                        Files.writeString(countFile, sink.counts() + "\n");
                    }
                    if (spanFile != null) {
                        Files.writeString(
                                spanFile,
                                String.join("", spanLines(body)),
                                java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.APPEND);
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
        long[] spans = {0};
        try {
            visit(request, 0, request.length, 0, (b, from, to) -> spans[0]++);
        } catch (RuntimeException malformed) {
            return 0;
        }
        return spans[0];
    }

    private static final int[] PATH = {1, 2, 2};

    /**
     * One line per span of an {@code ExportTraceServiceRequest} ({@code Span}: trace_id 1, span_id 2,
     * parent_span_id 4, name 5, kind 6); nothing for a malformed request.
     */
    static java.util.List<String> spanLines(byte[] request) {
        var lines = new java.util.ArrayList<String>();
        try {
            visit(request, 0, request.length, 0, (b, from, to) -> lines.add(spanLine(b, from, to)));
        } catch (RuntimeException malformed) {
            return java.util.List.of();
        }
        return lines;
    }

    private interface SpanVisitor {
        void span(byte[] b, int from, int to);
    }

    private static void visit(byte[] b, int from, int to, int depth, SpanVisitor visitor) {
        int i = from;
        while (i < to) {
            long[] key = varint(b, i);
            i = (int) key[1];
            int type = (int) (key[0] & 7);
            if (type != 2) {
                i = skip(b, i, type);
                continue;
            }
            long[] len = varint(b, i);
            int start = (int) len[1];
            int end = start + (int) len[0];
            if (end > to || end < start) {
                throw new IllegalArgumentException("length past the message");
            }
            if ((int) (key[0] >>> 3) == PATH[depth]) {
                if (depth == PATH.length - 1) {
                    visitor.span(b, start, end);
                } else {
                    visit(b, start, end, depth + 1, visitor);
                }
            }
            i = end;
        }
    }

    private static String spanLine(byte[] b, int from, int to) {
        String trace = "-";
        String span = "-";
        String parent = "-";
        String name = "";
        long kind = 0;
        int i = from;
        while (i < to) {
            long[] key = varint(b, i);
            i = (int) key[1];
            int field = (int) (key[0] >>> 3);
            int type = (int) (key[0] & 7);
            if (type == 2) {
                long[] len = varint(b, i);
                int start = (int) len[1];
                int end = start + (int) len[0];
                if (end > to || end < start) {
                    throw new IllegalArgumentException("length past the message");
                }
                switch (field) {
                    case 1 -> trace = hex(b, start, end);
                    case 2 -> span = hex(b, start, end);
                    case 4 -> parent = end > start ? hex(b, start, end) : "-";
                    case 5 -> name = new String(b, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
                    default -> {}
                }
                i = end;
            } else if (type == 0 && field == 6) {
                long[] v = varint(b, i);
                kind = v[0];
                i = (int) v[1];
            } else {
                i = skip(b, i, type);
            }
        }
        return trace + " " + span + " " + parent + " " + kind + " " + name + "\n";
    }

    private static int skip(byte[] b, int i, int type) {
        return switch (type) {
            case 0 -> (int) varint(b, i)[1];
            case 1 -> i + 8;
            case 5 -> i + 4;
            case 2 -> {
                long[] len = varint(b, i);
                yield (int) len[1] + (int) len[0];
            }
            default -> throw new IllegalArgumentException("wire type " + type);
        };
    }

    private static String hex(byte[] b, int from, int to) {
        return java.util.HexFormat.of().formatHex(b, from, to);
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
