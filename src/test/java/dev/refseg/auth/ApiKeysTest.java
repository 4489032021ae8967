package dev.refseg.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key store alone, on a clock the tests move: parsing, start-up errors, and re-reading the file. */
class ApiKeysTest {
    @TempDir
    Path dir;
    final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void readsKeysFromTheFileAndInlineSkippingCommentsAndBlankLines() throws IOException {
        Path file = write("keys", "# production keys\n\n  alpha-key-1  \n#beta-key-2\nbeta-key-3\n");
        ApiKeys keys = new ApiKeys(List.of(" dev-key ", ""), file, clock::get);
        assertEquals(3, keys.count());
        assertEquals(1, keys.inlineCount());
        for (String k : List.of("alpha-key-1", "beta-key-3", "dev-key")) {
            assertTrue(keys.accepts(k), k);
        }
        for (String k : List.of("#beta-key-2", "beta-key-2", "alpha-key", "alpha-key-1 ", "", "ALPHA-KEY-1")) {
            assertFalse(keys.accepts(k), k);
        }
    }

    @Test
    void fingerprintsAreShortDigestPrefixesNotKeys() throws Exception {
        ApiKeys keys = new ApiKeys(List.of("dev-key"), null, clock::get);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("dev-key".getBytes(StandardCharsets.UTF_8))).substring(0, 8);
        assertEquals(List.of(expected), keys.fingerprints());
        assertEquals(expected, ApiKeys.fingerprint("dev-key"));
    }

    @Test
    void aStartWithoutUsableKeysIsRefusedNamingTheSettingNeverTheKey() throws IOException {
        String none = assertThrows(IllegalArgumentException.class, () -> new ApiKeys(List.of(), null, clock::get))
                .getMessage();
        assertTrue(none.contains("refseg.auth.keys-file") && none.contains("refseg.auth.keys"), none);
        Path empty = write("empty", "# nothing yet\n");
        String emptyFile = assertThrows(IllegalArgumentException.class, () -> new ApiKeys(List.of(), empty, clock::get))
                .getMessage();
        assertTrue(emptyFile.contains(empty + ") holds none"), emptyFile);
        String missing = assertThrows(IllegalArgumentException.class,
                () -> new ApiKeys(List.of("dev-key"), dir.resolve("absent"), clock::get)).getMessage();
        assertTrue(missing.startsWith("refseg.auth.keys-file: cannot read"), missing);
        Path spaced = write("spaced", "good-key\n# comment\nsecret with spaces\n");
        String bad = assertThrows(IllegalArgumentException.class, () -> new ApiKeys(List.of(), spaced, clock::get))
                .getMessage();
        assertTrue(bad.contains("line 3 is not printable ASCII without spaces"), bad);
        assertFalse(bad.contains("secret"), bad);
        String inline = assertThrows(IllegalArgumentException.class,
                () -> new ApiKeys(List.of("ok-key", "clé-secrète"), null, clock::get)).getMessage();
        assertTrue(inline.startsWith("refseg.auth.keys: key 2 is not printable ASCII"), inline);
        assertFalse(inline.contains("secr"), inline);
    }

    /** A rotated file holds once the next look is due (a second after the last), not before; the old key then no longer. */
    @Test
    void aReplacedFileIsReadAtTheNextLook() throws IOException {
        Path file = write("keys", "old-key\n");
        ApiKeys keys = new ApiKeys(List.of(), file, clock::get);
        replace(file, "new-key\n");
        assertTrue(keys.accepts("old-key"), "not looked at again within the second");
        assertFalse(keys.accepts("new-key"));
        clock.addAndGet(ApiKeys.CHECK_INTERVAL.toNanos());
        assertTrue(keys.accepts("new-key"));
        assertFalse(keys.accepts("old-key"));
        assertEquals(1, keys.count());
    }

    /** A file that becomes unreadable or holds a bad line keeps the keys read before; an emptied one refuses all. */
    @Test
    void aBrokenFileKeepsTheKeysReadBefore() throws IOException {
        Path file = write("keys", "old-key\n");
        ApiKeys keys = new ApiKeys(List.of("dev-key"), file, clock::get);
        replace(file, "new-key\nnot a key\n");
        clock.addAndGet(ApiKeys.CHECK_INTERVAL.toNanos());
        assertTrue(keys.accepts("old-key"));
        assertFalse(keys.accepts("new-key"));
        Files.delete(file);
        clock.addAndGet(ApiKeys.CHECK_INTERVAL.toNanos());
        assertTrue(keys.accepts("old-key"));
        replace(file, "# rotated out\n");
        clock.addAndGet(ApiKeys.CHECK_INTERVAL.toNanos());
        assertFalse(keys.accepts("old-key"));
        assertTrue(keys.accepts("dev-key"), "inline keys stay");
        assertEquals(1, keys.count());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** As Kubernetes rotates a mounted Secret: a new file moved over the old one. */
    private void replace(Path file, String text) throws IOException {
        Path next = Files.writeString(dir.resolve(file.getFileName() + ".next"), text);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
