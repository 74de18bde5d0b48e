import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The container image's HEALTHCHECK: exit 0 when {@code GET <url>} answers 2xx within three seconds, else 1. The
 * URL is the first argument, or {@code http://127.0.0.1:$MANAGEMENT_PORT/health/live} (default port 9090).
 *
 * <p>The JRE image has no compiler, so the Dockerfile compiles this file in the build stage and runs the class
 * ({@code java -cp /app/healthcheck HealthCheck}); it needs no curl or wget in the image.
 */
public final class HealthCheck {
    private HealthCheck() {}

    public static void main(String[] args) {
        String port = System.getenv().getOrDefault("MANAGEMENT_PORT", "9090").strip();
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:" + port + "/health/live";
        try (HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(3))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                System.exit(0);
            }
            System.out.println(url + " answered " + response.statusCode() + ": " + response.body());
        } catch (Exception e) {
            System.out.println(url + " did not answer: " + e);
        }
        System.exit(1);
    }
}
