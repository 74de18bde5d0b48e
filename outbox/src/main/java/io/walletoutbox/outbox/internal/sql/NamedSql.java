package io.walletoutbox.outbox.internal.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A SQL text with {@code :name} parameters, run with plain JDBC: the libraries' statements keep the texts they had
 * under Jdbi, and this class turns each {@code :name} into a {@code ?} once, when the constant is made. Not API: shared
 * by the outbox, the relays and the test kit. A colon
 * inside a quoted literal or identifier, or doubled ({@code ::text}), is not a parameter.
 */
public final class NamedSql {
    private final String text;
    private final String jdbc;
    private final List<String> names;

    private NamedSql(String text, String jdbc, List<String> names) {
        this.text = text;
        this.jdbc = jdbc;
        this.names = names;
    }

    /** Parses {@code text}'s parameters. */
    public static NamedSql of(String text) {
        StringBuilder jdbc = new StringBuilder(text.length());
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"') {
                int end = text.indexOf(c, i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated quote in: " + text);
                }
                jdbc.append(text, i, end + 1);
                i = end + 1;
            } else if (c == ':' && i + 1 < text.length() && text.charAt(i + 1) == ':') {
                jdbc.append("::");
                i += 2;
            } else if (c == ':' && i + 1 < text.length() && Character.isJavaIdentifierStart(text.charAt(i + 1))) {
                int end = i + 1;
                while (end < text.length() && Character.isJavaIdentifierPart(text.charAt(end))) {
                    end++;
                }
                names.add(text.substring(i + 1, end));
                jdbc.append('?');
                i = end;
            } else {
                jdbc.append(c);
                i++;
            }
        }
        return new NamedSql(text, jdbc.toString(), List.copyOf(names));
    }

    /** This statement on {@code connection}, ready to bind. */
    public Bound on(Connection connection) {
        return new Bound(Objects.requireNonNull(connection, "connection"));
    }

    /** The text as JDBC takes it: each {@code :name} turned into {@code ?}, in the order of {@link #names()}. */
    public String jdbc() {
        return jdbc;
    }

    /** The parameter names in the order of the {@code ?}s of {@link #jdbc()} (a name used twice is listed twice). */
    public List<String> names() {
        return names;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Maps the current row of a result. */
    @FunctionalInterface
    public interface Row<T> {
        /** The row's value. */
        T map(ResultSet rs) throws SQLException;
    }

    /** The statement with its values, bound by name; each call runs it once and closes it. */
    public final class Bound {
        private final Connection connection;
        private final Map<String, Object> values = new HashMap<>();

        private Bound(Connection connection) {
            this.connection = connection;
        }

        /** Binds {@code value} (a type the driver takes through {@code setObject}) to every {@code :name}. */
        public Bound bind(String name, Object value) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("no parameter :" + name + " in: " + text);
            }
            values.put(name, value);
            return this;
        }

        /**
         * Binds {@code value} to {@code :name} when the statement has that parameter, else does nothing: for values
         * one form of a statement uses and another does not.
         */
        public Bound bindIfUsed(String name, Object value) {
            return names.contains(name) ? bind(name, value) : this;
        }

        /** Runs an update; returns the update count. */
        public int execute() throws SQLException {
            try (PreparedStatement statement = prepare()) {
                return statement.executeUpdate();
            }
        }

        /** Runs a query; every row mapped. */
        public <T> List<T> list(Row<T> row) throws SQLException {
            try (PreparedStatement statement = prepare();
                    ResultSet rs = statement.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(row.map(rs));
                }
                return rows;
            }
        }

        /** Runs a query of at most one row. */
        public <T> Optional<T> findOne(Row<T> row) throws SQLException {
            List<T> rows = list(row);
            if (rows.size() > 1) {
                throw new SQLException("expected at most one row, got " + rows.size() + " from: " + text);
            }
            return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.getFirst());
        }

        /** Runs a query of exactly one row. */
        public <T> T one(Row<T> row) throws SQLException {
            return findOne(row).orElseThrow(() -> new SQLException("expected one row, got none from: " + text));
        }

        private PreparedStatement prepare() throws SQLException {
            PreparedStatement statement = connection.prepareStatement(jdbc);
            try {
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get(i);
                    if (!values.containsKey(name)) {
                        throw new IllegalStateException("parameter :" + name + " not bound in: " + text);
                    }
                    statement.setObject(i + 1, values.get(name));
                }
                return statement;
            } catch (SQLException | RuntimeException e) {
                statement.close();
                throw e;
            }
        }
    }
}
