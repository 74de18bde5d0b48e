package io.walletoutbox.app;

import io.walletoutbox.app.internal.config.AppConfig;
import io.walletoutbox.app.internal.config.ConfigException;
import io.walletoutbox.app.internal.config.Setting;
import io.walletoutbox.app.internal.runtime.EmbeddedRuntime;
import io.walletoutbox.app.internal.runtime.ProviderWiring;
import io.walletoutbox.app.internal.runtime.ServiceRuntime;
import io.walletoutbox.app.internal.runtime.TopicProvisioning;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code java -jar wallet-outbox.jar [flags]} runs the service; {@code java -jar wallet-outbox.jar provider-sim}
 * runs the biller simulator alone; {@code java -jar wallet-outbox.jar dev-issuer} runs the development OIDC issuer
 * alone (for tools and tests; never for production); {@code java -jar wallet-outbox.jar migrate [flags]} applies the
 * schema migrations and grants and exits (0 done, 1 PostgreSQL unreachable or a migration failed, 2 a bad setting);
 * {@code java -jar wallet-outbox.jar provision-topics} creates and checks the Kafka topics with the configured
 * (admin) credentials, then exits (0 done, 1 Kafka unreachable, 2 a bad setting). A start that fails prints one line
 * and exits with a non-zero code, having stopped whatever it had started. The production jar ({@code
 * wallet-outbox-production.jar}) has no embedded infrastructure: there a start that would need it, and {@code
 * dev-issuer}, stop with one line and exit code 2 ({@link EmbeddedRuntime}).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        if (args.length > 0 && args[0].equals("provider-sim")) {
            configureLogging(env.getOrDefault("LOG_FORMAT", "text"));
            ProviderWiring.runSimulator(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("dev-issuer")) {
            configureLogging(env.getOrDefault("LOG_FORMAT", "text"));
            int refused = EmbeddedRuntime.runDevIssuer(Arrays.copyOfRange(args, 1, args.length), System.err);
            if (refused != 0) {
                System.exit(refused);
            }
            return;
        }
        if (args.length > 0 && args[0].equals("migrate")) {
            System.exit(migrate(env, Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("provision-topics")) {
            AppConfig config;
            try {
                config = AppConfig.load(env, Arrays.copyOfRange(args, 1, args.length));
            } catch (ConfigException e) {
                System.err.println("wallet-outbox provision-topics: " + e.getMessage());
                System.exit(2);
                return;
            }
            configureLogging(config.logFormat());
            System.exit(TopicProvisioning.run(config, System.out, System.err));
            return;
        }
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            printHelp();
            return;
        }
        AppConfig config;
        try {
            config = AppConfig.load(env, args);
            EmbeddedRuntime.requireFor(config); // the production jar: no embedded PostgreSQL, broker or issuer
        } catch (ConfigException e) {
            System.err.println("wallet-outbox: " + e.getMessage());
            System.exit(2);
            return;
        }
        configureLogging(config.logFormat());
        try {
            ServiceRuntime runtime = ServiceRuntime.start(config, System.out);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                System.out.println("wallet-outbox: stopping");
                                runtime.close();
                                System.out.println("wallet-outbox: stopped");
                            },
                            "wallet-outbox-shutdown"));
        } catch (RuntimeException e) {
            System.err.println("wallet-outbox: failed to start: " + oneLine(e));
            System.exit(
                    e instanceof io.walletoutbox.app.internal.runtime.StartupException s && s.misconfigured() ? 2 : 1);
        }
    }

    /** {@code migrate}: the migrations alone, as the migration role; answers the exit code. */
    private static int migrate(Map<String, String> env, String[] args) {
        AppConfig config;
        try {
            config = AppConfig.loadForMigration(env, args);
        } catch (ConfigException e) {
            System.err.println("wallet-outbox: " + e.getMessage());
            return 2;
        }
        configureLogging(config.logFormat());
        try {
            io.walletoutbox.app.internal.runtime.DatabaseMigrations.runAlone(config, System.out);
            return 0;
        } catch (RuntimeException e) {
            System.err.println("wallet-outbox: migrate failed: " + oneLine(e));
            return e instanceof io.walletoutbox.app.internal.runtime.StartupException s && s.misconfigured() ? 2 : 1;
        }
    }

    /** Chooses the logback configuration before the first logger is created. */
    private static void configureLogging(String format) {
        if (System.getProperty("logback.configurationFile") == null && "json".equalsIgnoreCase(format)) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName();
        }
        return message.replaceAll("\\s+", " ");
    }

    private static void printHelp() {
        System.out.println("usage: java -jar wallet-outbox.jar [options]      run the service");
        System.out.println("       java -jar wallet-outbox.jar provider-sim   run the biller simulator alone");
        System.out.println("       java -jar wallet-outbox.jar dev-issuer     run the development token issuer alone");
        System.out.println("       java -jar wallet-outbox.jar migrate [options]"
                + "  apply the schema migrations and grants, then exit");
        System.out.println("       java -jar wallet-outbox.jar provision-topics [options]"
                + "  create and check the Kafka topics (admin credentials), then exit");
        System.out.println("options (each also read from the environment variable of the same name):");
        for (Setting s : Setting.values()) {
            System.out.printf(
                    "  %-28s %-20s %s%n",
                    s.flag(),
                    s.name(),
                    s.description() + (s.fallback().isEmpty() ? "" : " (default " + s.fallback() + ")"));
            if (s.secret()) {
                System.out.printf(
                        "  %-28s %-20s %s%n", s.flag() + "-file", s.name() + "_FILE", "file holding " + s.name());
            }
        }
    }
}
