package io.walletoutbox.provider.internal;

import io.walletoutbox.provider.BillerClient;
import io.walletoutbox.provider.BillerClientConfig;
import io.walletoutbox.provider.Billers;
import io.walletoutbox.provider.ProviderMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/** {@link Billers} over a fixed map of clients. */
public final class DefaultBillers implements Billers {
    private static final Pattern ID = Pattern.compile("[\\p{Graph}&&[^\\p{Cntrl}]]{1,64}");

    private final Map<String, BillerClient> clients;
    private final Map<String, BillerClientConfig> configs;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DefaultBillers(Map<String, BillerClient> clients, Map<String, BillerClientConfig> configs) {
        this.clients = clients;
        this.configs = configs;
    }

    public static DefaultBillers create(Map<String, BillerClientConfig> billers, ProviderMetrics metrics) {
        Objects.requireNonNull(billers, "billers");
        Objects.requireNonNull(metrics, "metrics");
        if (billers.isEmpty()) {
            throw new IllegalArgumentException("configure at least one biller");
        }
        Map<String, BillerClientConfig> configs = new LinkedHashMap<>();
        billers.forEach((id, config) -> {
            if (id == null || !ID.matcher(id).matches()) {
                throw new IllegalArgumentException(
                        "a biller id must be 1..64 printable characters without spaces, was '" + id + "'");
            }
            configs.put(id, Objects.requireNonNull(config, "config of biller " + id));
        });
        Map<String, BillerClient> clients = new LinkedHashMap<>();
        try {
            configs.forEach((id, config) -> clients.put(id, BillerClient.create(id, config, metrics)));
        } catch (RuntimeException e) {
            clients.values().forEach(BillerClient::close);
            throw e;
        }
        return new DefaultBillers(Map.copyOf(clients), Map.copyOf(configs));
    }

    @Override
    public Optional<BillerClient> client(String id) {
        return Optional.ofNullable(clients.get(id));
    }

    @Override
    public Optional<BillerClientConfig> config(String id) {
        return Optional.ofNullable(configs.get(id));
    }

    @Override
    public Set<String> ids() {
        return clients.keySet();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            clients.values().forEach(BillerClient::close);
        }
    }

    @Override
    public String toString() {
        return "Billers" + configs;
    }
}
