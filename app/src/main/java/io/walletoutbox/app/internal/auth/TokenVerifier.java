package io.walletoutbox.app.internal.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Validates OAuth 2.0 bearer access tokens (signed JWTs, RFC 9068 where the issuer uses it) in-process against the
 * issuer's published keys: pinned asymmetric algorithms (RS256, ES256, PS256; {@code none} and HMAC are refused),
 * the exact {@code iss}, an {@code aud} containing the configured audience, {@code exp}/{@code nbf} within 60 s of
 * skew, and a {@code sub}. Keys come from the JWKS URL through nimbus' remote JWK source: cached for five minutes,
 * refreshed ahead of expiry and when a token names an unknown {@code kid} (at most every few seconds), and kept
 * through an issuer outage (tokens signed with cached keys still validate; unknown keys fail closed).
 */
public final class TokenVerifier {
    /** The only signature algorithms accepted. */
    public static final Set<JWSAlgorithm> ALGORITHMS =
            Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.PS256);
    /** Clock skew allowed on {@code exp} and {@code nbf}. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);

    private final ConfigurableJWTProcessor<SecurityContext> processor;

    /**
     * @param issuer the exact {@code iss} accepted
     * @param jwksUrl the issuer's JWKS
     * @param audience a value {@code aud} must contain
     */
    public TokenVerifier(String issuer, URI jwksUrl, String audience) {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(jwksUrl, "jwksUrl");
        Objects.requireNonNull(audience, "audience");
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.<SecurityContext>create(
                            jwksUrl.toURL(), new DefaultResourceRetriever(2_000, 2_000, OidcDiscovery.MAX_BODY_BYTES))
                    .cache(
                            Duration.ofMinutes(5).toMillis(),
                            Duration.ofSeconds(5).toMillis())
                    .refreshAheadCache(true)
                    // An unknown kid refreshes the set, but not more often than this.
                    .rateLimited(Duration.ofSeconds(2).toMillis())
                    .retrying(true)
                    // Issuer down: keep the last keys for a day rather than refuse every user.
                    .outageTolerant(Duration.ofHours(24).toMillis())
                    .build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a JWKS URL: " + jwksUrl, e);
        }
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(
                new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), JOSEObjectType.JWT, null));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                Set.of(audience), new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("iss", "sub", "exp"), null);
        claims.setMaxClockSkew((int) MAX_CLOCK_SKEW.toSeconds());
        p.setJWTClaimsSetVerifier(claims);
        this.processor = p;
    }

    /**
     * The principal of a valid token.
     *
     * @throws InvalidTokenException for any token that is not valid; its message is safe to show the client
     */
    public Principal verify(String token) {
        if (token == null || token.isEmpty() || token.length() > 16 * 1024) {
            throw new InvalidTokenException("the access token is missing or too long");
        }
        long now = System.currentTimeMillis();
        Verified known = verified.get(token);
        if (known != null && now < known.until()) {
            return known.principal();
        }
        Verified fresh = check(token);
        remember(token, fresh, now);
        return fresh.principal();
    }

    /**
     * A token that passed, kept until the earlier of its {@code exp} and {@link #REMEMBER_FOR}: a client sends the
     * same token with every request, and its signature does not change. The key it was signed with is trusted for at
     * most that long after the issuer stops publishing it (the JWKS cache holds keys five minutes anyway).
     */
    private record Verified(Principal principal, long until) {}

    /** How long a verified token is remembered at most. */
    static final Duration REMEMBER_FOR = Duration.ofMinutes(1);

    private static final int REMEMBERED = 10_000;
    private final java.util.concurrent.ConcurrentHashMap<String, Verified> verified =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Remembers {@code fresh} (whose {@code until} is the token's {@code exp}) for at most {@link #REMEMBER_FOR}. */
    private void remember(String token, Verified fresh, long now) {
        if (token.length() > 4096) {
            return;
        }
        if (verified.size() >= REMEMBERED) {
            verified.values().removeIf(v -> v.until() <= now);
            if (verified.size() >= REMEMBERED) {
                verified.clear();
            }
        }
        verified.put(token, new Verified(fresh.principal(), Math.min(fresh.until(), now + REMEMBER_FOR.toMillis())));
    }

    /** The full validation; {@code until} of the result is the token's {@code exp}. */
    private Verified check(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidTokenException("the access token is not a signed JWT");
        } catch (com.nimbusds.jose.proc.BadJOSEException e) {
            throw new InvalidTokenException(describe(e));
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new InvalidTokenException("the access token's signature could not be checked");
        } catch (RuntimeException e) {
            throw new InvalidTokenException("the access token could not be validated");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank() || subject.length() > 255) {
            throw new InvalidTokenException("the access token has no valid sub");
        }
        String clientId = stringClaim(claims, "client_id");
        if (clientId.isEmpty()) {
            clientId = stringClaim(claims, "azp");
        }
        // exp is required by the claims verifier
        return new Verified(
                new Principal(subject, scopes(claims), clientId),
                claims.getExpirationTime().getTime());
    }

    /**
     * A detail for the client from nimbus' refusal. Matched on the exception type and nimbus' own message prefixes,
     * lower-cased: loose substring tests misfire ("missing" contains "iss", "Expired JWT" is capitalised).
     */
    static String describe(Exception e) {
        if (e instanceof ExpiredJWTException) {
            return "the access token has expired";
        }
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (m.startsWith("jwt before use time")) {
            return "the access token is not valid yet";
        }
        if (m.startsWith("jwt missing required claims")) {
            return "the access token lacks a required claim (iss, sub and exp are required)";
        }
        if (m.startsWith("jwt missing required aud") || m.startsWith("jwt aud ")) {
            return "the access token is not meant for this service (aud)";
        }
        if (m.startsWith("jwt iss ")) {
            return "the access token was issued by an issuer this service does not trust";
        }
        if (m.contains("unsecured") || m.startsWith("plain jwt")) {
            return "the access token is not signed with an accepted algorithm (RS256, ES256, PS256)";
        }
        if (m.contains("another algorithm expected")) {
            // nimbus says this both for a refused algorithm and for a kid the issuer does not publish
            return "the access token is not signed by a key of the issuer with an accepted algorithm (RS256, ES256,"
                    + " PS256)";
        }
        if (m.contains("typ")) {
            return "the access token has an unexpected typ";
        }
        return "the access token's signature is not valid or its key is unknown";
    }

    private static String stringClaim(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        return v instanceof String s && s.length() <= 255 ? s : "";
    }

    static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> scopes = new LinkedHashSet<>();
        for (String name : List.of("scope", "scp")) {
            Object v = claims.getClaim(name);
            if (v instanceof String s) {
                scopes.addAll(
                        Arrays.stream(s.split(" ")).filter(x -> !x.isEmpty()).toList());
            } else if (v instanceof List<?> list) {
                list.stream()
                        .filter(String.class::isInstance)
                        .map(String.class::cast)
                        .forEach(scopes::add);
            }
        }
        return scopes;
    }
}
