package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.v1.KeyFrame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SelectKeyFrameRequest;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * TLS on the gRPC port ({@link TlsProfile}, the quarkus.grpc.server.ssl.* keys): a client that trusts
 * the server's certificate is served, health and API alike; a plain-text client and a client that does
 * not trust the certificate are not.
 */
@QuarkusTest
@TestProfile(TlsProfile.class)
class TlsTest {
    @Test
    void aClientTrustingTheCertificateIsServed() throws Exception {
        ManagedChannel ch = channel(TlsChannelCredentials.newBuilder().trustManager(TlsProfile.CERTIFICATE.toFile())
                .build());
        try {
            HealthCheckResponse h = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());
            KeyFrame k = KeySelectionGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).selectKeyFrame(
                    SelectKeyFrameRequest.newBuilder().setReferent("the red disc").addFrames(RequestNumbersTest.frame(3))
                            .addFrames(RequestNumbersTest.frame(7)).build());
            assertTrue(k.getShownFramesList().contains(k.getFrameIndex()), k.toString());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void plainTextAndUntrustedClientsAreNotServed() throws Exception {
        for (ChannelCredentials c : new ChannelCredentials[] {InsecureChannelCredentials.create(),
                TlsChannelCredentials.create()}) {
            ManagedChannel ch = channel(c);
            try {
                StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> HealthGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                                .check(HealthCheckRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), c + ": " + e.getStatus());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static ManagedChannel channel(ChannelCredentials credentials) {
        return Grpc.newChannelBuilderForAddress("localhost", TestPorts.grpc(), credentials).build();
    }
}
