package io.walletoutbox.embedded.internal;

import java.lang.reflect.InvocationTargetException;

/**
 * Entry point of the broker child process: exits when the parent process dies, then runs {@code kafka.Kafka}
 * (reached by name: the broker's jar has no valid module name, so no module may depend on it).
 *
 * <p>Arguments: the broker's properties file, the parent's process id.
 */
public final class BrokerMain {
    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BrokerMain <server.properties> <parent-pid>");
            System.exit(2);
        }
        long parent = Long.parseLong(args[1]);
        ProcessHandle.of(parent)
                .ifPresentOrElse(
                        p -> p.onExit().thenRun(() -> {
                            System.err.println("parent process " + parent + " is gone; stopping the broker");
                            System.exit(0);
                        }),
                        () -> System.exit(0));
        try {
            Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object)
                    new String[] {args[0]});
        } catch (InvocationTargetException e) {
            throw (e.getCause() instanceof Exception ex) ? ex : e;
        }
    }
}
