package dev.refseg.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server with TLS, from a self-signed certificate made here with the JDK's keytool (for
 * localhost and 127.0.0.1, valid two days): the PKCS#12 key store the server reads, and the certificate
 * alone in PEM, which the tests' clients trust.
 */
public class TlsProfile implements QuarkusTestProfile {
    static final String PASSWORD = "refseg-test";
    static final Path DIR = generate();
    static final Path KEY_STORE = DIR.resolve("server.p12");
    public static final Path CERTIFICATE = DIR.resolve("server.crt");

    private static Path generate() {
        try {
            Path dir = Files.createTempDirectory("refseg-tls");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(List.of(keytool, "-genkeypair", "-alias", "refseg", "-keyalg", "RSA", "-keysize", "2048",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", dir.resolve("server.p12").toString(), "-storepass", PASSWORD,
                    "-keypass", PASSWORD));
            run(List.of(keytool, "-exportcert", "-rfc", "-alias", "refseg", "-storetype", "PKCS12", "-keystore",
                    dir.resolve("server.p12").toString(), "-storepass", PASSWORD, "-file",
                    dir.resolve("server.crt").toString()));
            for (String f : List.of("server.p12", "server.crt", "")) {
                dir.resolve(f).toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed (" + p.exitValue() + "): " + new String(p.getInputStream().readAllBytes()));
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        // A key store (or certificate and key) turns the separate gRPC server's plain text off by itself.
        return Map.of("quarkus.grpc.server.ssl.key-store", KEY_STORE.toString(),
                "quarkus.grpc.server.ssl.key-store-password", PASSWORD);
    }
}
