package dev.refseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.api.ApiKeyProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code refseg client} against a server that wants API keys ({@link ApiKeyProfile}): without a key the
 * call ends UNAUTHENTICATED and the client says how to give one; the key from {@code --api-key},
 * {@code --api-key-file} or {@code REFSEG_API_KEY} is sent and served; an option wins over the environment.
 */
@QuarkusTest
@TestProfile(ApiKeyProfile.class)
class ClientCliApiKeyTest {
    static final Map<String, String> NO_ENV = Map.of();

    @TempDir
    Path dir;

    @Test
    void withoutAKeyTheCallIsRefusedAndTheClientSaysHowToSendOne() throws Exception {
        ClientRuns.Run run = ClientRuns.run(NO_ENV, "localhost", ClientRuns.frames(dir));
        assertEquals(1, run.code(), run.toString());
        assertTrue(run.status().startsWith("status UNAUTHENTICATED: this call needs an API key: send the API key as "
                + "metadata 'authorization: Bearer <key>'"), run.toString());
        assertTrue(run.status().endsWith("(no API key was sent: give --api-key KEY, --api-key-file FILE or set "
                + "REFSEG_API_KEY)"), run.toString());
        assertFalse(run.hasSummary(), run.toString());
    }

    @Test
    void theKeyFromTheOptionTheFileOrTheEnvironmentIsServed() throws Exception {
        Path frames = ClientRuns.frames(Files.createDirectory(dir.resolve("frames")));
        Path keyFile = Files.writeString(dir.resolve("key"), ApiKeyProfile.FILE_KEY + "\n");
        for (ClientRuns.Run run : new ClientRuns.Run[] {
            ClientRuns.run(NO_ENV, "localhost", frames, "--api-key", ApiKeyProfile.INLINE_KEY),
            ClientRuns.run(NO_ENV, "localhost", frames, "--api-key-file", keyFile.toString()),
            ClientRuns.run(Map.of(ClientChannel.API_KEY_ENV, ApiKeyProfile.INLINE_KEY), "localhost", frames)}) {
            assertEquals(0, run.code(), run.toString());
            assertEquals("status OK", run.status(), run.toString());
            assertTrue(run.hasSummary(), run.toString());
        }
    }

    @Test
    void aWrongKeyIsRefusedAsNotValidAndTheOptionWinsOverTheEnvironment() throws Exception {
        ClientRuns.Run run = ClientRuns.run(Map.of(ClientChannel.API_KEY_ENV, ApiKeyProfile.INLINE_KEY), "localhost",
                ClientRuns.frames(dir), "--api-key", "wrong-key-0c4f1e");
        assertEquals(1, run.code(), run.toString());
        assertTrue(run.status().startsWith("status UNAUTHENTICATED: the API key sent is not valid"), run.toString());
        assertFalse(run.status().contains("no API key was sent"), run.toString());
    }
}
