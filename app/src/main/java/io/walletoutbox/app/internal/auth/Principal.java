package io.walletoutbox.app.internal.auth;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling: the validated access token's subject and scopes. A user owns the wallets created with its
 * subject; scopes grant functions (funding, operating) on top of that.
 *
 * @param subject the token's {@code sub}
 * @param scopes the token's scopes ({@code scope} or {@code scp})
 * @param clientId the token's {@code client_id} or {@code azp} when present, else empty (audit only)
 */
public record Principal(String subject, Set<String> scopes, String clientId) {
    /** Scope of a funding service: may top up any wallet. */
    public static final String FUND = "wallet:fund";
    /** Scope of an operator: may use {@code /admin/*} on the management port. */
    public static final String ADMIN = "wallet:admin";

    public Principal {
        Objects.requireNonNull(subject, "subject");
        scopes = Set.copyOf(scopes);
        Objects.requireNonNull(clientId, "clientId");
    }

    /** True when the token carries {@code scope}. */
    public boolean has(String scope) {
        return scopes.contains(scope);
    }

    /** How the audit log and the logs name this principal. */
    public String audited() {
        return clientId.isEmpty() || clientId.equals(subject) ? subject : subject + " (client " + clientId + ")";
    }
}
