package dev.refseg.api;

/**
 * The ports the test server listens on: 9001 (gRPC) and 8081 (HTTP) unless the build is given
 * {@code -Dtest.grpc.port=N -Dtest.http.port=M}, so two checkouts can run their tests at once.
 */
public final class TestPorts {
    private TestPorts() {
    }

    public static int grpc() {
        return Integer.getInteger("test.grpc.port", 9001);
    }

    public static int http() {
        return Integer.getInteger("test.http.port", 8081);
    }
}
