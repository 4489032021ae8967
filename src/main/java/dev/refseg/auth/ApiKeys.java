package dev.refseg.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * The API keys the public port accepts: those given inline ({@code refseg.auth.keys}) and those in a
 * keys file ({@code refseg.auth.keys-file}: one key a line, blank lines and lines starting with {@code #}
 * skipped). The file is re-read when its modification time, size or identity changes, looked at no more
 * than once a second: a Kubernetes Secret mounted as a file is replaced in place when it is rotated, and
 * the new keys hold from then on without a restart.
 *
 * <p>Only SHA-256 digests of the keys are kept. A presented key is hashed and compared with every digest
 * by {@link MessageDigest#isEqual} (constant time), without stopping at a match, so the time a check takes
 * says nothing about how much of a key was right, nor which key it was. Keys are printable ASCII without
 * spaces, as gRPC metadata carries them; a file that breaks this is refused at start (naming the line,
 * never the key) and, when re-read, ignored, keeping the keys read before.
 */
public final class ApiKeys {
    /** Least time between two looks at the keys file. */
    public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    static final String KEYS = "refseg.auth.keys";
    static final String KEYS_FILE = "refseg.auth.keys-file";
    private static final Logger LOG = Logger.getLogger(ApiKeys.class);

    /** What identifies one version of the file: a change in any of these means it is read again. */
    private record Stamp(FileTime modified, long size, Object fileKey) {
    }

    /** The file's keys as last read, and the version they were read from. */
    private record FileKeys(List<byte[]> digests, Stamp stamp) {
    }

    private final List<byte[]> inline;
    private final Path file;
    private final LongSupplier nanoClock;
    private final ReentrantLock reading = new ReentrantLock();
    private volatile FileKeys fromFile;
    private volatile long nextLook;
    /** The last problem reported about the file, so that a lasting one is logged once, not every second. */
    private String lastProblem;

    /**
     * @param inline    keys given in the configuration (blank entries skipped)
     * @param file      the keys file, or null
     * @param nanoClock {@link System#nanoTime} or, in tests, a clock they move
     * @throws IllegalArgumentException naming the key and line when a key is not printable ASCII, when the
     *                                  file cannot be read, or when there is no key at all
     */
    public ApiKeys(List<String> inline, Path file, LongSupplier nanoClock) {
        this.file = file;
        this.nanoClock = nanoClock;
        this.inline = digests(inline.stream().map(String::strip).filter(k -> !k.isEmpty()).toList(), KEYS);
        if (file != null) {
            Stamp stamp;
            List<String> keys;
            try {
                stamp = stamp(file);
                keys = read(file);
            } catch (IOException e) {
                throw new IllegalArgumentException(KEYS_FILE + ": cannot read " + file + " (" + e + ")");
            }
            fromFile = new FileKeys(digests(keys, KEYS_FILE + " (" + file + ")"), stamp);
        } else {
            fromFile = new FileKeys(List.of(), null);
        }
        nextLook = nanoClock.getAsLong() + CHECK_INTERVAL.toNanos();
        if (count() == 0) {
            throw new IllegalArgumentException("refseg.auth.mode=api-key needs at least one key: " + (file != null
                    ? KEYS_FILE + " (" + file + ") holds none and " + KEYS + " is unset"
                    : "set " + KEYS_FILE + " (one key a line) or " + KEYS));
        }
    }

    /** Whether {@code presented} is one of the keys; re-reads the file first when it is due and has changed. */
    public boolean accepts(String presented) {
        lookAtFileIfDue();
        byte[] digest = digest(presented);
        boolean match = false;
        for (byte[] k : inline) {
            match |= MessageDigest.isEqual(k, digest);
        }
        for (byte[] k : fromFile.digests()) {
            match |= MessageDigest.isEqual(k, digest);
        }
        return match;
    }

    /** Keys in force now (inline and from the file, a key in both counted twice). */
    public int count() {
        return inline.size() + fromFile.digests().size();
    }

    /** Keys given inline. */
    public int inlineCount() {
        return inline.size();
    }

    /** Each key in force as its {@link #fingerprint}, inline ones first: what the log may show of them. */
    public List<String> fingerprints() {
        List<String> out = new ArrayList<>();
        inline.forEach(d -> out.add(hexPrefix(d)));
        fromFile.digests().forEach(d -> out.add(hexPrefix(d)));
        return out;
    }

    /**
     * The first 8 hex digits of the key's SHA-256: enough for an operator to tell which key was used or
     * refused, far too little to find the key from.
     */
    public static String fingerprint(String key) {
        return hexPrefix(digest(key));
    }

    /** Re-reads the file when a second has passed since the last look and it has changed; never waits for another reader. */
    private void lookAtFileIfDue() {
        if (file == null || nanoClock.getAsLong() - nextLook < 0 || !reading.tryLock()) {
            return;
        }
        try {
            if (nanoClock.getAsLong() - nextLook < 0) {
                return; // another thread looked meanwhile
            }
            nextLook = nanoClock.getAsLong() + CHECK_INTERVAL.toNanos();
            Stamp stamp = stamp(file);
            if (stamp.equals(fromFile.stamp())) {
                return;
            }
            List<byte[]> keys = digests(read(file), KEYS_FILE + " (" + file + ")");
            fromFile = new FileKeys(keys, stamp);
            lastProblem = null;
            if (keys.isEmpty()) {
                LOG.warnf("%s (%s) was re-read and holds no keys: %s", KEYS_FILE, file, inline.isEmpty()
                        ? "every call is refused" : "only the " + inline.size() + " inline key(s) of " + KEYS + " hold");
            } else {
                LOG.infof("%s (%s) re-read: %d key(s), fingerprints %s", KEYS_FILE, file, keys.size(),
                        keys.stream().map(ApiKeys::hexPrefix).toList());
            }
        } catch (IOException | IllegalArgumentException e) {
            // A bad line's message already names the file (digests' prefix); an unreadable file's does not.
            String problem = e instanceof IOException ? KEYS_FILE + " (" + file + ") cannot be read (" + e + ")"
                    : e.getMessage();
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                LOG.warnf("%s; the keys read before stay in force", problem);
            }
        } finally {
            reading.unlock();
        }
    }

    private static Stamp stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
    }

    /** The keys of a file: each line stripped; blank lines and lines starting with # skipped. */
    static List<String> read(Path file) throws IOException {
        List<String> keys = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String k = line.strip();
            keys.add(k.isEmpty() || k.startsWith("#") ? null : k);
        }
        return keys;
    }

    /**
     * The digests of the keys; {@code keys} may hold nulls for skipped lines, so that a refused key is
     * named by its line number (1-based) and never by its value.
     */
    private static List<byte[]> digests(List<String> keys, String source) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            if (k == null) {
                continue;
            }
            if (!k.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
                throw new IllegalArgumentException(source + ": " + (source.startsWith(KEYS_FILE) ? "line " : "key ")
                        + (i + 1) + " is not printable ASCII without spaces, as gRPC metadata carries a key");
            }
            out.add(digest(k));
        }
        return List.copyOf(out);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Objects.requireNonNull(key).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hexPrefix(byte[] digest) {
        return HexFormat.of().formatHex(digest, 0, 4);
    }
}
