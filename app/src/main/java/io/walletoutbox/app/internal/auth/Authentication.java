package io.walletoutbox.app.internal.auth;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import io.walletoutbox.app.internal.http.ApiException;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust boundary of every matched route, run before its handler: routes marked {@link Access#OPEN} pass;
 * every other one needs a valid bearer token ({@code 401} + {@code WWW-Authenticate} otherwise), within its
 * principal's rate limit ({@code 429} + {@code Retry-After}), with the scope the route names ({@code 403}). Every
 * token is verified first; only refused ones count against their client address (the peer, or what a trusted proxy
 * forwarded: {@link TrustedProxies}), and an address past its allowance gets {@code 429} instead of {@code 401} for
 * its bad tokens. A valid token is never refused for its address: behind an ingress one address is everyone.
 * Object-level rules (which wallet is whose) are the routes' own.
 */
public final class Authentication {
    private static final Logger log = LoggerFactory.getLogger(Authentication.class);
    private static final String PRINCIPAL = "walletoutbox.principal";

    private final TokenVerifier verifier;
    private final RateLimiter limiter;
    private final TrustedProxies proxies;

    public Authentication(TokenVerifier verifier, RateLimiter limiter, TrustedProxies proxies) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.proxies = Objects.requireNonNull(proxies, "proxies");
    }

    /** Installs the check before every matched route of {@code config}. */
    public void register(JavalinConfig config) {
        config.routes.beforeMatched(this::check);
    }

    /** The principal of the current request; only on routes that are not {@link Access#OPEN}. */
    public static Principal principal(Context ctx) {
        Principal p = ctx.attribute(PRINCIPAL);
        if (p == null) {
            throw new IllegalStateException("no principal on " + ctx.path() + ": route not protected");
        }
        return p;
    }

    private void check(Context ctx) {
        Set<RouteRole> roles = ctx.routeRoles();
        if (roles.contains(Access.OPEN)) {
            return;
        }
        Principal principal;
        try {
            principal = verifier.verify(bearer(ctx.header("Authorization")));
        } catch (InvalidTokenException e) {
            String address = proxies.clientAddress(ctx.ip(), ctx.header("X-Forwarded-For"));
            OptionalLong wait = limiter.refused(address);
            if (wait.isPresent()) {
                throw tooMany(wait.getAsLong(), "too many requests with invalid tokens from this address");
            }
            throw unauthorized(e.getMessage());
        }
        OptionalLong wait = limiter.tryRequest(principal.subject());
        if (wait.isPresent()) {
            throw tooMany(wait.getAsLong(), "the rate limit of this principal is exhausted");
        }
        if (roles.isEmpty()) {
            log.error("route {} {} declares no access rule: refused", ctx.method(), ctx.path());
            throw forbidden(null, "this operation is not available");
        }
        if (roles.contains(Access.FUND) && !principal.has(Principal.FUND)) {
            throw forbidden(Principal.FUND, "top-ups need a token with scope " + Principal.FUND);
        }
        if (roles.contains(Access.ADMIN) && !principal.has(Principal.ADMIN)) {
            throw forbidden(Principal.ADMIN, "operator endpoints need a token with scope " + Principal.ADMIN);
        }
        ctx.attribute(PRINCIPAL, principal);
    }

    private static String bearer(String header) {
        if (header == null || header.isBlank()) {
            throw new InvalidTokenException("send an access token: Authorization: Bearer <token>");
        }
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            throw new InvalidTokenException("the Authorization header must be 'Bearer <token>'");
        }
        return header.substring(space + 1).strip();
    }

    private static ApiException unauthorized(String detail) {
        return new ApiException(401, "invalid-token", "Unauthorized", detail)
                .withHeader(
                        "WWW-Authenticate",
                        "Bearer realm=\"wallet-api\", error=\"invalid_token\", error_description=\""
                                + detail.replace('"', '\'') + "\"");
    }

    private static ApiException forbidden(String scope, String detail) {
        ApiException e = new ApiException(403, "forbidden", "Forbidden", detail);
        return scope == null
                ? e
                : e.withHeader(
                        "WWW-Authenticate",
                        "Bearer realm=\"wallet-api\", error=\"insufficient_scope\", scope=\"" + scope + "\"");
    }

    private static ApiException tooMany(long seconds, String detail) {
        return new ApiException(429, "rate-limited", "Too many requests", detail + "; retry after " + seconds + " s")
                .withHeader("Retry-After", Long.toString(seconds));
    }
}
