package io.walletoutbox.ops.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Payments' creation-to-completion times, as the scenarios that bound them read and compare them. */
final class PaymentLatencies {
    private PaymentLatencies() {}

    /** Creation-to-completion seconds of the payments to {@code biller} (null: any) created in [from, to). */
    static List<Double> latencies(Connection c, String biller, Instant from, Instant to) throws SQLException {
        List<Double> out = new ArrayList<>();
        try (var ps = c.prepareStatement("""
                SELECT extract(epoch FROM completed_at - created_at) FROM bill_payment
                WHERE created_at >= ? AND created_at < ? AND completed_at IS NOT NULL
                  AND (biller = ? OR ?::text IS NULL)""")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.setString(3, biller);
            ps.setString(4, biller);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getDouble(1));
                }
            }
        }
        return out;
    }

    /** The {@code q}-quantile (nearest rank) of {@code values}; 0 when empty. */
    static double percentile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.clamp(rank - 1, 0, sorted.size() - 1));
    }
}
