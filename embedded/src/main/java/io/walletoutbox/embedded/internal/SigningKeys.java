package io.walletoutbox.embedded.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.walletoutbox.embedded.EmbeddedInfrastructureException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The development issuer's RSA signing keys, kept as a JWK set (private parts included) in one file. The first key
 * of the set is the one that signs; the others are earlier keys, still published so tokens they signed keep
 * validating until they expire. Thread-safe.
 */
public final class SigningKeys {
    /** Keys kept after rotations: the current one and up to four earlier ones. */
    static final int KEPT = 5;

    private static final int RSA_BITS = 2048;
    private static final String OWNER_ONLY_FILE = "rw-------";
    private static final String OWNER_ONLY_DIRECTORY = "rwx------";

    private final Path file;
    private List<RSAKey> keys; // newest first; guarded by this

    private SigningKeys(Path file, List<RSAKey> keys) {
        this.file = file;
        this.keys = List.copyOf(keys);
    }

    /**
     * Loads the keys from {@code file}, or generates one and writes the file when it does not exist yet.
     *
     * @throws EmbeddedInfrastructureException when the file cannot be read or written, or holds no usable key (it
     *     is never overwritten then: tokens signed with its keys would stop validating)
     */
    public static SigningKeys loadOrCreate(Path file) {
        if (Files.exists(file)) {
            return new SigningKeys(file, read(file));
        }
        var keys = new SigningKeys(file, List.of(generate()));
        keys.persist();
        return keys;
    }

    /** The key that signs new tokens. */
    public synchronized RSAKey current() {
        return keys.getFirst();
    }

    /** Every kept key, public parts only, for the JWKS endpoint. */
    public synchronized JWKSet publicKeys() {
        return new JWKSet(new ArrayList<JWK>(keys)).toPublicJWKSet();
    }

    /** Generates a new key that signs from now on, keeps the earlier ones (up to {@link #KEPT}), persists the set. */
    public synchronized RSAKey rotate() {
        List<RSAKey> next = new ArrayList<>();
        next.add(generate());
        next.addAll(keys.subList(0, Math.min(keys.size(), KEPT - 1)));
        keys = List.copyOf(next);
        persist();
        return keys.getFirst();
    }

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(RSA_BITS)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .keyIDFromThumbprint(true)
                    .issueTime(new Date())
                    .generate();
        } catch (JOSEException e) {
            throw new EmbeddedInfrastructureException("cannot generate an RSA signing key: " + e.getMessage(), e);
        }
    }

    private static List<RSAKey> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("cannot read the signing keys in " + file + ": " + e, e);
        }
        List<RSAKey> keys = new ArrayList<>();
        try {
            for (JWK jwk : JWKSet.parse(text).getKeys()) {
                if (!(jwk instanceof RSAKey rsa) || !rsa.isPrivate() || rsa.getKeyID() == null) {
                    throw new ParseException("every key must be a private RSA key with a kid", 0);
                }
                keys.add(rsa);
            }
        } catch (ParseException e) {
            throw new EmbeddedInfrastructureException(
                    "the signing keys in " + file + " are unreadable (" + e.getMessage()
                            + "); delete the file to start with a new key (tokens signed before stop validating)",
                    e);
        }
        if (keys.isEmpty()) {
            throw new EmbeddedInfrastructureException(
                    "the signing key file " + file + " holds no key; delete it to start with a new key");
        }
        return keys;
    }

    /** Writes the set through a temporary file readable by the owner only, then moves it into place. */
    private void persist() {
        String text = new JWKSet(new ArrayList<JWK>(keys)).toString(false);
        try {
            writeOwnerOnly(file, text);
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException("cannot write the signing keys to " + file + ": " + e, e);
        }
    }

    /**
     * Writes {@code text} to {@code target} atomically (a temporary file in the same directory, then a move), with
     * permissions 0600 where the file system knows POSIX permissions; the directory is created 0700 when absent.
     */
    public static void writeOwnerOnly(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(existingAncestor(dir)).supportsFileAttributeView("posix");
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, posix ? ownerOnly(OWNER_ONLY_DIRECTORY) : new FileAttribute<?>[0]);
            } catch (FileAlreadyExistsException e) {
                // made concurrently; fine
            }
        }
        Path temp = posix
                ? Files.createTempFile(dir, ".keys", ".tmp", ownerOnly(OWNER_ONLY_FILE))
                : Files.createTempFile(dir, ".keys", ".tmp");
        try {
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static FileAttribute<?>[] ownerOnly(String permissions) {
        return new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))
        };
    }

    private static Path existingAncestor(Path dir) {
        Path p = dir;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? Path.of("").toAbsolutePath() : p;
    }
}
