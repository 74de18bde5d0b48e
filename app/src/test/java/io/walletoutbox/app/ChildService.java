package io.walletoutbox.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;

/** What the ITs that run the jar as a child process share: its address lines, HTTP calls to it, its output file. */
final class ChildService {
    /** A line of the start-up banner naming a port: group 1 the part, group 2 the port. */
    static final Pattern PORT_LINE = Pattern.compile("(HTTP API|management) +http://localhost:(\\d+)");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ChildService() {}

    /** {@code method url} with {@code Bearer token} (none when null) and a JSON body with an Idempotency-Key. */
    static HttpResponse<String> call(String method, String url, String token, String json) {
        var builder = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            builder.header("Content-Type", "application/json")
                    .header("Idempotency-Key", UUID.randomUUID().toString());
        }
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The child's output so far. */
    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
