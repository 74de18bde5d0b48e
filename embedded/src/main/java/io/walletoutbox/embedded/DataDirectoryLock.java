package io.walletoutbox.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, held while a process runs embedded servers in it, so a second process
 * on the same directory fails at once instead of fighting over the servers. The operating system releases the
 * lock when the holder dies, even by {@code kill -9}; servers found running without a lock holder are orphans.
 */
public final class DataDirectoryLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code directory} (created when absent).
     *
     * @throws EmbeddedInfrastructureException when another process holds it
     */
    public static DataDirectoryLock acquire(Path directory) {
        try {
            Files.createDirectories(directory);
            FileChannel channel =
                    FileChannel.open(directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new EmbeddedInfrastructureException(
                        "data directory " + directory.toAbsolutePath().normalize()
                                + " is in use by another wallet-outbox process; stop it or choose another DATA_DIR");
            }
            return new DataDirectoryLock(channel, lock);
        } catch (IOException e) {
            throw new EmbeddedInfrastructureException(
                    "cannot lock data directory " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // released by the operating system at exit anyway
        }
    }
}
