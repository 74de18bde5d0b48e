package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

class OtlpSinkTest {

    private static Span span(int i) {
        return Span.newBuilder()
                .setTraceId(ByteString.copyFrom(new byte[16]))
                .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) i}))
                .setName("publish wallet.events")
                .setStartTimeUnixNano(1_700_000_000_000_000_000L)
                .addAttributes(KeyValue.newBuilder()
                        .setKey("messaging.system")
                        .setValue(AnyValue.newBuilder().setStringValue("kafka")))
                .build();
    }

    private static ScopeSpans scope(int spans) {
        var b = ScopeSpans.newBuilder();
        for (int i = 0; i < spans; i++) {
            b.addSpans(span(i));
        }
        return b.build();
    }

    @Test
    void countsTheSpansOfEveryScopeOfEveryResource() {
        var resource = Resource.newBuilder()
                .addAttributes(KeyValue.newBuilder()
                        .setKey("service.name")
                        .setValue(AnyValue.newBuilder().setStringValue("wallet-outbox")))
                .build();
        var request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(resource)
                        .addScopeSpans(scope(3))
                        .addScopeSpans(scope(2)))
                .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope(4)))
                .build();

        assertEquals(9, OtlpSink.countSpans(request.toByteArray()));
    }

    @Test
    void printsEachSpansIdsParentKindAndName() {
        byte[] trace = new byte[16];
        trace[15] = 7;
        var child = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(trace))
                .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 2}))
                .setParentSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}))
                .setKind(Span.SpanKind.SPAN_KIND_CONSUMER)
                .setName("process wallet.events")
                .build();
        var root = child.toBuilder()
                .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}))
                .clearParentSpanId()
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setName("POST /wallets/{walletId}/bill-payments")
                .build();
        var request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(root).addSpans(child)))
                .build();

        assertEquals(
                java.util.List.of(
                        "00000000000000000000000000000007 0000000000000001 - 2 POST /wallets/{walletId}/bill-payments\n",
                        "00000000000000000000000000000007 0000000000000002 0000000000000001 5 process wallet.events\n"),
                OtlpSink.spanLines(request.toByteArray()));
    }

    @Test
    void aMalformedBodyCountsAsNoSpan() {
        assertEquals(0, OtlpSink.countSpans(new byte[] {0x0a, 0x7f, 0x01}));
        assertEquals(0, OtlpSink.countSpans(new byte[0]));
        assertEquals(java.util.List.of(), OtlpSink.spanLines(new byte[] {0x0a, 0x7f, 0x01}));
    }
}
