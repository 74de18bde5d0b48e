package io.walletoutbox.app.internal.http;

import io.javalin.http.Context;
import io.walletoutbox.wallet.StoredResponse;

/** Writing JSON responses. */
final class Responses {
    static final String JSON = "application/json";

    private Responses() {}

    static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType(JSON).result(Json.write(body));
    }

    static StoredResponse stored(int status, Object body) {
        return new StoredResponse(status, JSON, Json.write(body));
    }

    static void replay(Context ctx, StoredResponse response) {
        ctx.status(response.status()).contentType(response.contentType()).result(response.body());
    }
}
