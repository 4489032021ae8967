package dev.refseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the client's key comes from, and the connection options it refuses before any call (no server). */
class ClientChannelTest {
    @TempDir
    Path dir;

    @Test
    void theKeyComesFromTheOptionTheFileOrTheEnvironmentInThatOrder() throws Exception {
        Map<String, String> env = Map.of(ClientChannel.API_KEY_ENV, "env-key");
        Path file = Files.writeString(dir.resolve("key"), "  file-key\n");
        assertEquals("option-key", ClientChannel.apiKey("option-key", null, env));
        assertEquals("file-key", ClientChannel.apiKey(null, file, env));
        assertEquals("env-key", ClientChannel.apiKey(null, null, env));
        assertNull(ClientChannel.apiKey(null, null, Map.of()));
        assertNull(ClientChannel.apiKey(null, null, Map.of(ClientChannel.API_KEY_ENV, "")));
    }

    @Test
    void theTransportHintIsForConnectionsThatFailedNotForStatusesTheServerSent() {
        ClientChannel plain = new ClientChannel("localhost:9000", null, false, null, null);
        io.grpc.Status fromServer = io.grpc.Status.UNAVAILABLE.withDescription("the inference sidecar localhost:9100 is unavailable");
        assertEquals("", ClientCli.hint(fromServer, plain), "a gateway's own status: the connection is fine");
        io.grpc.Status refused = io.grpc.Status.UNAVAILABLE.withCause(new java.io.IOException("wrapper",
                new java.net.ConnectException("Connection refused")));
        assertEquals(" (Connection refused) [in plain text: give --tls or --ca-cert PEM for a TLS server]",
                ClientCli.hint(refused, plain));
    }

    @Test
    void theSettingsPrintWithoutTheKey() {
        String printed = new ClientChannel("localhost:9000", "secret-key-41", false, null, null).toString();
        assertTrue(printed.contains("apiKey=(set)") && !printed.contains("secret-key-41"), printed);
    }

    @Test
    void badKeysAndFilesAreRefusedNamingTheirSource() throws Exception {
        Path blank = Files.writeString(dir.resolve("blank"), "\n");
        Path twoLines = Files.writeString(dir.resolve("two"), "a\nb\n");
        Map<String, String> cases = Map.of(
                "give --api-key or --api-key-file, not both", "--api-key k --api-key-file " + blank,
                "--api-key: the API key must be printable ASCII without spaces", "--api-key k\u00e9y",
                "--api-key-file " + blank + ": the API key must be printable ASCII without spaces (it is empty)",
                "--api-key-file " + blank,
                "--api-key-file " + twoLines + ": the API key must be printable ASCII without spaces",
                "--api-key-file " + twoLines,
                "--api-key-file " + dir.resolve("absent") + ": cannot read it (java.nio.file.NoSuchFileException",
                "--api-key-file " + dir.resolve("absent"),
                "--ca-cert " + blank + ": not a readable PEM certificate", "--ca-cert " + blank);
        Path noFrames = Files.createDirectory(dir.resolve("no-frames"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ClientRuns.Run run = ClientRuns.run(Map.of(), "localhost", noFrames, c.getValue().split(" "));
            assertEquals(2, run.code(), c.getValue() + ": " + run);
            assertTrue(run.status().startsWith(c.getKey()), c.getValue() + ": " + run);
        }
        ClientRuns.Run envKey = ClientRuns.run(Map.of(ClientChannel.API_KEY_ENV, "a key"), "localhost", noFrames);
        assertEquals(2, envKey.code(), envKey.toString());
        assertEquals("REFSEG_API_KEY: the API key must be printable ASCII without spaces", envKey.status());
    }
}
