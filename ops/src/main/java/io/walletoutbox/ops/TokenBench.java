package io.walletoutbox.ops;

import io.walletoutbox.embedded.DevIssuer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/**
 * What validating a bearer token costs the service: the app's own {@code TokenVerifier} (nimbus-jose-jwt, RS256,
 * issuer, audience, expiry and {@code sub} checks) validates a development-issuer token with its keys cached, after
 * a warm-up, and prints microseconds per validation for several rounds. The goal is under 100 µs.
 *
 * <p>{@code TokenVerifier} lives in the app module's unexported {@code internal.auth} package, so this runs on the
 * class path next to the fat jar ({@code ops/bench/token-bench.sh}) and reaches it by name.
 *
 * <p>Usage: {@code TokenBench [iterations per round, default 100000] [rounds, default 5]}.
 */
public final class TokenBench {
    private static final String VERIFIER = "io.walletoutbox.app.internal.auth.TokenVerifier";

    private TokenBench() {}

    public static void main(String[] args) throws Throwable {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("token-bench");
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            Class<?> type = Class.forName(VERIFIER);
            Object verifier = MethodHandles.publicLookup()
                    .findConstructor(type, MethodType.methodType(void.class, String.class, URI.class, String.class))
                    .invoke(issuer.issuer(), URI.create(issuer.jwksUrl()), "wallet-api");
            MethodHandle verify = MethodHandles.publicLookup()
                    .findVirtual(
                            type,
                            "verify",
                            MethodType.methodType(
                                    Class.forName(VERIFIER.replace("TokenVerifier", "Principal")), String.class))
                    .bindTo(verifier);
            String token = issuer.mint("bench-user", Set.of("wallet:fund"), Duration.ofHours(1));
            Object principal = verify.invoke(token); // fetches and caches the JWKS
            if (!principal.toString().contains("bench-user")) {
                throw new IllegalStateException("unexpected principal " + principal);
            }
            System.out.printf(
                    "token-bench: %s.verify, RS256 token of %d characters from %s, keys cached%n",
                    type.getSimpleName(), token.length(), issuer.issuer());
            run(verify, token, iterations, "warm-up");
            double[] results = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                results[r] = run(verify, token, iterations, "round " + (r + 1));
            }
            Arrays.sort(results);
            double median = results[rounds / 2];
            System.out.printf(
                    "token-bench: median %.1f µs per validation (best %.1f, worst %.1f) over %d rounds of %d; goal < 100 µs: %s%n",
                    median, results[0], results[rounds - 1], rounds, iterations, median < 100 ? "met" : "NOT met");
            if (median >= 100) {
                System.exit(1);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Validates {@code token} {@code iterations} times; prints and returns µs per validation. */
    private static double run(MethodHandle verify, String token, int iterations, String label) throws Throwable {
        long start = System.nanoTime();
        int sink = 0;
        for (int i = 0; i < iterations; i++) {
            sink += verify.invoke(token).hashCode();
        }
        double micros = (System.nanoTime() - start) / 1e3 / iterations;
        if (sink == 42) {
            System.out.print(""); // keeps the results live
        }
        System.out.printf("  %-8s %d validations: %.1f µs each%n", label, iterations, micros);
        return micros;
    }
}
