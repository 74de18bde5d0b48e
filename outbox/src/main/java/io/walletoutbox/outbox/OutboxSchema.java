package io.walletoutbox.outbox;

import io.walletoutbox.outbox.internal.SchemaScripts;
import io.walletoutbox.outbox.internal.SchemaValidator;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The outbox's tables (outbox, shards, parked events, inbox, mode) and functions, for a configuration's {@link
 * OutboxTables} and shard count. Three ways to own them:
 *
 * <ul>
 *   <li>{@link #migrate}: the library runs its versioned migrations with Flyway (optional dependency), only when
 *       called;
 *   <li>the adopter's own migrations: {@link #ddl} (or {@code java -cp outbox.jar io.walletoutbox.outbox.OutboxSchema
 *       --schema shop --prefix shop_}) prints plain SQL without placeholders, {@link #liquibaseChangelog} a Liquibase
 *       formatted-SQL changelog; the jar ships both for the default tables and 64 shards under {@code
 *       io/walletoutbox/outbox/schema/};
 *   <li>then {@link #validate} at start: fails with one clear message when the database does not hold them.
 * </ul>
 *
 * With {@link OutboxTables#DEFAULTS} the migrations are the scripts this project has always run (history table
 * {@code outbox_schema_history}), so existing deployments upgrade in place and keep their names.
 */
public final class OutboxSchema {
    private OutboxSchema() {}

    /**
     * Applies pending migrations of the outbox schema for {@code config}; safe to call from several processes at
     * once. Default tables: the shipped scripts, history table {@code outbox_schema_history}. Other tables: the same
     * scripts rendered for them, history table {@code <prefix>outbox_schema_history} in the configured schema (made
     * when absent). Needs Flyway (an optional dependency, see {@link SchemaMigrations}).
     *
     * @param dataSource the database
     * @param config shards and tables
     * @throws IllegalStateException when Flyway is not on the class or module path (nothing is done)
     */
    public static void migrate(DataSource dataSource, OutboxConfig config) {
        Objects.requireNonNull(dataSource, "dataSource");
        if (config.tables().equals(OutboxTables.DEFAULTS)) {
            SchemaMigrations.apply(
                    dataSource,
                    "outbox",
                    "classpath:io/walletoutbox/outbox/db",
                    Map.of("shards", Integer.toString(config.shards())));
        } else {
            SchemaMigrations.requireFlyway();
            io.walletoutbox.outbox.internal.FlywayMigrations.applyRendered(dataSource, config);
        }
    }

    /**
     * Checks, reading the catalog, that the database holds the outbox of {@code config}: every table with the
     * columns the libraries use, the functions, and shard rows {@code 0..shards-1}. Call it at start when the
     * schema is the adopter's (migrated by its own tools); changes nothing.
     *
     * @param dataSource the database
     * @param config shards and tables
     * @throws OutboxException.SchemaMismatchException naming everything missing or wrong
     */
    public static void validate(DataSource dataSource, OutboxConfig config) {
        List<String> problems = SchemaValidator.problems(Objects.requireNonNull(dataSource, "dataSource"), config);
        if (!problems.isEmpty()) {
            throw new OutboxException.SchemaMismatchException(
                    config.tables() + ", " + config.shards() + " shards", problems);
        }
    }

    /**
     * The complete DDL for {@code config}, plain SQL without placeholders (the schema created when configured): what
     * {@link #migrate} would leave in an empty database. Run it once, or put it in the adopter's own migrations.
     *
     * @param config shards and tables
     * @return the SQL
     */
    public static String ddl(OutboxConfig config) {
        return SchemaScripts.ddl(config);
    }

    /**
     * The DDL for {@code config} as a Liquibase formatted-SQL changelog, one changeset per version of the outbox
     * schema (ids {@code walletoutbox:outbox-<schema.><prefix>V<n>}), so later versions arrive as new changesets.
     *
     * @param config shards and tables
     * @return the changelog
     */
    public static String liquibaseChangelog(OutboxConfig config) {
        return SchemaScripts.liquibase(config);
    }

    /**
     * Prints the DDL (or with {@code --liquibase} the changelog) for a configuration: {@code [--schema S] [--prefix
     * P] [--shards N] [--liquibase]}, or {@code --help}. Exit code 2 on a bad argument.
     *
     * @param args the options
     */
    public static void main(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            usage(System.out, "");
            return;
        }
        try {
            System.out.print(render(List.of(args)));
        } catch (IllegalArgumentException e) {
            usage(System.err, e.getMessage());
            System.exit(2);
        }
    }

    /** What {@link #main} prints for {@code args}. */
    static String render(List<String> args) {
        String schema = null;
        String prefix = "";
        int shards = OutboxConfig.DEFAULTS.shards();
        boolean liquibase = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--schema" -> schema = value(args, ++i, arg);
                case "--prefix" -> prefix = value(args, ++i, arg);
                case "--shards" -> {
                    String n = value(args, ++i, arg);
                    try {
                        shards = Integer.parseInt(n);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--shards takes a number, was " + n);
                    }
                }
                case "--liquibase" -> liquibase = true;
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        OutboxConfig config = new OutboxConfig(shards, OutboxTables.of(schema, prefix));
        return liquibase ? liquibaseChangelog(config) : ddl(config);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " takes a value");
        }
        return args.get(i);
    }

    private static void usage(PrintStream out, String problem) {
        if (!problem.isEmpty()) {
            out.println(problem);
        }
        out.println("usage: java -cp outbox.jar io.walletoutbox.outbox.OutboxSchema [--schema S] [--prefix P]"
                + " [--shards N] [--liquibase]");
        out.println("prints the outbox's DDL (or a Liquibase formatted-SQL changelog) for that configuration");
    }
}
