package dev.refseg.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The application with API keys required on its gRPC port: one key in a keys file (written here, with a
 * comment and a blank line, as an operator would) and one inline. Tests may rotate the file's key with
 * {@link #writeKeysFile}.
 */
public class ApiKeyProfile implements QuarkusTestProfile {
    public static final String FILE_KEY = "file-key-3f9a0c1e7b5d";
    public static final String INLINE_KEY = "inline-key-8d2e4b6a1c0f";
    static final Path KEYS_FILE = keysFile();

    private static Path keysFile() {
        try {
            Path dir = Files.createTempDirectory("refseg-keys");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("api-keys");
            writeKeysFile(file, FILE_KEY);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces the keys file as Kubernetes updates a mounted Secret: a new file moved over the old one in
     * one step, so a reader never sees half of it.
     */
    static void writeKeysFile(Path file, String key) throws IOException {
        Path next = Files.createTempFile(file.getParent(), "next", ".tmp");
        Files.writeString(next, "# API keys of the refseg tests, one a line\n\n  " + key + "  \n");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("refseg.auth.mode", "api-key", "refseg.auth.keys-file", KEYS_FILE.toString(), "refseg.auth.keys",
                INLINE_KEY);
    }
}
