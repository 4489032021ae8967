package dev.refseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.api.TlsProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code refseg client} against a TLS server with a self-signed certificate ({@link TlsProfile}): trusting
 * it with {@code --ca-cert} the call is served; in plain text, with only the system's CAs ({@code --tls}),
 * or expecting another name ({@code --authority}) it is not, and the client says why.
 */
@QuarkusTest
@TestProfile(TlsProfile.class)
class ClientCliTlsTest {
    @TempDir
    Path dir;

    @Test
    void trustingTheServersCaTheCallIsServedOverTls() throws Exception {
        ClientRuns.Run run = ClientRuns.run(Map.of(), "localhost", ClientRuns.frames(dir), "--ca-cert",
                TlsProfile.CERTIFICATE.toString());
        assertEquals(0, run.code(), run.toString());
        assertEquals("status OK", run.status(), run.toString());
        assertTrue(run.hasSummary(), run.toString());
    }

    @Test
    void plainTextTheSystemsCasOrAnotherNameAreNotServed() throws Exception {
        Path frames = ClientRuns.frames(dir);
        ClientRuns.Run plain = ClientRuns.run(Map.of(), "localhost", frames);
        assertEquals(1, plain.code(), plain.toString());
        assertTrue(plain.status().startsWith("status UNAVAILABLE") && plain.status().endsWith(
                "[in plain text: give --tls or --ca-cert PEM for a TLS server]"), plain.toString());

        ClientRuns.Run system = ClientRuns.run(Map.of(), "localhost", frames, "--tls");
        assertEquals(1, system.code(), system.toString());
        assertTrue(system.status().startsWith("status UNAVAILABLE") && system.status().contains("unable to find valid certification path")
                && system.status().endsWith("[over TLS]"), system.toString());

        ClientRuns.Run otherName = ClientRuns.run(Map.of(), "127.0.0.1", frames, "--ca-cert",
                TlsProfile.CERTIFICATE.toString(), "--authority", "other.example");
        assertEquals(1, otherName.code(), otherName.toString());
        assertTrue(otherName.status().startsWith("status UNAVAILABLE") && otherName.status().contains("other.example"),
                otherName.toString());
    }
}
