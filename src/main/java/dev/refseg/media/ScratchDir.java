package dev.refseg.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * This process's scratch directory ({@code refseg-*} under {@code refseg.inference.work-dir}), holding the
 * sessions' frame stores and MP4 spools. It carries a lock file held for the life of the process, so that
 * at start the directories of processes that died without cleaning up (killed, out of memory) are found —
 * their lock is free — and removed, while those of live processes sharing the work dir are left alone.
 * {@link #close()} removes this process's directory.
 */
public final class ScratchDir implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ScratchDir.class);
    private static final String PREFIX = "refseg-";
    private static final String LOCK = ".lock";

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private ScratchDir(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Removes dead processes' directories under {@code workDir}, then creates and locks this one's.
     *
     * @throws UncheckedIOException when the directory cannot be created or locked
     */
    public static ScratchDir create(Path workDir) {
        try {
            Files.createDirectories(workDir);
            removeStale(workDir);
            Path dir = Files.createTempDirectory(workDir, PREFIX);
            FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new ScratchDir(dir, ch, ch.lock());
        } catch (IOException e) {
            throw new UncheckedIOException("refseg.inference.work-dir " + workDir + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return dir;
    }

    private static void removeStale(Path workDir) throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(workDir, PREFIX + "*")) {
            for (Path d : dirs) {
                Path lockFile = d.resolve(LOCK);
                if (!Files.isDirectory(d) || !Files.exists(lockFile)) {
                    continue;
                }
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                        FileLock l = ch.tryLock()) {
                    if (l == null) {
                        continue; // a live process holds it
                    }
                } catch (java.nio.channels.OverlappingFileLockException e) {
                    continue; // this JVM holds it (another application instance in the same process)
                }
                LOG.infof("removing the scratch files of a process that ended without cleaning up: %s", d);
                delete(d);
            }
        }
    }

    /** Removes {@code d} and everything under it, as far as it can (scratch files: a failure is only logged). */
    public static void delete(Path d) {
        try (Stream<Path> files = Files.walk(d)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warnf("cannot remove %s: %s", d, e.getMessage());
        }
    }

    /** Releases the lock and removes the directory with whatever is left in it. Idempotent. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException ignored) {
            // removed below either way
        }
        delete(dir);
    }
}
