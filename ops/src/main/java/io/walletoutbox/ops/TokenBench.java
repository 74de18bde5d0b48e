package io.walletoutbox.ops;

import io.walletoutbox.embedded.DevIssuer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("token-bench");
        try (DevIssuer issuer = DevIssuer.start(dir, "127.0.0.1", 0)) {
            Class<?> type = Class.forName(VERIFIER);
            // Distinct tokens, so each validation is a full one (signature, claims) and not the verifier's memory
            // of a token it has seen; a fresh verifier per round, its keys fetched before the clock starts.
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < iterations; i++) {
                tokens.add(issuer.mint("bench-user-" + i, Set.of("wallet:fund"), Duration.ofHours(1)));
            }
            System.out.printf(
                    "token-bench: %s.verify, %d distinct RS256 tokens of %d characters from %s, keys cached%n",
                    type.getSimpleName(), iterations, tokens.getFirst().length(), issuer.issuer());
            run(verifier(type, issuer), tokens, "warm-up");
            double[] results = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                results[r] = run(verifier(type, issuer), tokens, "round " + (r + 1));
            }
            Arrays.sort(results);
            double median = results[rounds / 2];
            MethodHandle same = verifier(type, issuer);
            double remembered = run(same, java.util.Collections.nCopies(iterations * 20, tokens.getFirst()), "same");
            System.out.printf(
                    "token-bench: median %.1f µs per full validation (best %.1f, worst %.1f) over %d rounds of %d;"
                            + " the same token again: %.2f µs; goal < 100 µs: %s%n",
                    median,
                    results[0],
                    results[rounds - 1],
                    rounds,
                    iterations,
                    remembered,
                    median < 100 ? "met" : "NOT met");
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

    /** A new verifier of {@code issuer}'s tokens with its keys already fetched. */
    private static MethodHandle verifier(Class<?> type, DevIssuer issuer) throws Throwable {
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
        Object principal = verify.invoke(issuer.mint("warm", Set.of(), Duration.ofMinutes(5)));
        if (!principal.toString().contains("warm")) {
            throw new IllegalStateException("unexpected principal " + principal);
        }
        return verify;
    }

    /** Validates each of {@code tokens}; prints and returns µs per validation. */
    private static double run(MethodHandle verify, List<String> tokens, String label) throws Throwable {
        int iterations = tokens.size();
        long start = System.nanoTime();
        int sink = 0;
        for (String token : tokens) {
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
