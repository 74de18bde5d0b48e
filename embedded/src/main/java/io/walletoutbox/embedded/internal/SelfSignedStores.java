package io.walletoutbox.embedded.internal;

import io.walletoutbox.embedded.EmbeddedInfrastructureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed TLS certificate for a broker on this machine, made with the JDK's own {@code keytool}: a PKCS12
 * keystore with the key and certificate (subject alternative names {@code localhost} and {@code 127.0.0.1}, so
 * clients verify the host name), and a PKCS12 truststore holding the certificate alone.
 */
public final class SelfSignedStores {
    private SelfSignedStores() {}

    /** The two stores and their common password. */
    public record Stores(Path keystore, Path truststore, String password) {}

    /** Writes {@code keystore.p12}, {@code broker.crt} and {@code truststore.p12} for {@code dname} into {@code dir}. */
    public static Stores selfSigned(Path dir, String dname) throws IOException {
        Files.createDirectories(dir);
        String password = UUID.randomUUID().toString().replace("-", "");
        Path keystore = dir.resolve("keystore.p12");
        Path certificate = dir.resolve("broker.crt");
        Path truststore = dir.resolve("truststore.p12");
        keytool(
                dir,
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-sigalg",
                "SHA256withECDSA",
                "-dname",
                dname,
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "30",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                password,
                "-keypass",
                password);
        keytool(
                dir,
                "-exportcert",
                "-rfc",
                "-alias",
                "broker",
                "-keystore",
                keystore.toString(),
                "-storepass",
                password,
                "-file",
                certificate.toString());
        keytool(
                dir,
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                certificate.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                truststore.toString(),
                "-storepass",
                password);
        return new Stores(keystore, truststore, password);
    }

    private static void keytool(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path output = dir.resolve("keytool.out");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .start();
        try {
            if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new EmbeddedInfrastructureException("keytool " + args[0] + " failed; see " + output);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EmbeddedInfrastructureException("interrupted while running keytool", e);
        }
    }
}
