package io.walletoutbox.app.internal.auth;

import io.javalin.security.RouteRole;

/**
 * What a route requires, attached to each route when it is registered. A route without one of these is refused
 * to everyone (deny by default).
 */
public enum Access implements RouteRole {
    /** No token: probes, metrics, the OpenAPI document. */
    OPEN,
    /** Any valid token; object-level rules (ownership) are checked by the route. */
    USER,
    /** A token with scope {@code wallet:fund}. */
    FUND,
    /** A token with scope {@code wallet:admin}. */
    ADMIN
}
