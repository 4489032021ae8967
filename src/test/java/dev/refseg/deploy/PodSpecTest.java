package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.refseg.config.RefsegConfig;
import dev.refseg.config.Role;
import io.smallrye.config.SmallRyeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pod both deployments run (knative/service.yaml, plain/deployment.yaml): the gateway and the
 * inference sidecar, what each needs from the other, and what the service's configuration says.
 */
class PodSpecTest {
    /**
     * Ports Knative's queue-proxy listens on inside every pod (serving's networking constants: 8012
     * HTTP/1, 8013 HTTP/2, 8112 HTTPS, 8022 admin, 9090 and 9091 metrics; 8008 profiling), which the
     * pod's containers share a network with.
     */
    private static final Set<Integer> KNATIVE_RESERVED_PORTS = Set.of(8008, 8012, 8013, 8022, 8112, 9090, 9091);
    /** Quarkus's default HTTP port, which application.properties leaves as it is. */
    private static final int QUARKUS_HTTP_DEFAULT_PORT = 8080;
    private static final String GPU = "nvidia.com/gpu";
    private static final String LLM_KEY_ENV = "REFSEG_LLM_API_KEY";
    /** Seconds a process needs after its drain ends to release its sessions and exit. */
    private static final int EXIT_MARGIN_SECONDS = 10;
    /**
     * README's memory budget of a process that tracks (scripts/refseg): heap 256 MB + 25 MB per session
     * + 35 MB per tracked object, direct buffers as much again, and ~1 GB beside them for the models,
     * ONNX Runtime, FFmpeg and the JVM.
     */
    private static final long HEAP_BASE_MIB = 256;
    private static final long HEAP_PER_SESSION_MIB = 25;
    private static final long HEAP_PER_OBJECT_MIB = 35;
    private static final long BESIDE_HEAP_MIB = 1024;

    static Stream<Path> pods() {
        return Stream.of(Manifests.KNATIVE, Manifests.DEPLOYMENT);
    }

    private static Node byRole(Path file, Role role) {
        List<Node> found = Manifests.containers(file).stream()
                .filter(c -> Manifests.refseg(c).role() == role).toList();
        assertEquals(1, found.size(), file + ": containers whose refseg.role is " + role);
        return found.get(0);
    }

    private static int grpcPortOfApplicationProperties() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Manifests.APPLICATION_PROPERTIES)) {
            p.load(r);
        }
        return Integer.parseInt(p.getProperty("quarkus.grpc.server.port"));
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theGatewayComesFirstAndAloneDeclaresAPort(Path file) {
        List<Node> containers = Manifests.containers(file);
        assertEquals(2, containers.size(), file + ": containers");
        assertEquals(Role.GATEWAY, Manifests.refseg(containers.get(0)).role(), containers.get(0).path());
        assertEquals(Role.INFERENCE, Manifests.refseg(containers.get(1)).role(), containers.get(1).path());
        assertEquals(1, containers.get(0).get("ports").items().size(), containers.get(0).path() + ".ports");
        assertTrue(containers.get(1).get("ports").items().isEmpty(), containers.get(1).path() + ".ports");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theServingPortIsH2cOnTheGrpcServersPort(Path file) throws IOException {
        Node gateway = byRole(file, Role.GATEWAY);
        Node port = gateway.get("ports").items().get(0);
        assertEquals("h2c", port.get("name").text(), port.path() + ".name");
        int grpcPort = grpcPortOfApplicationProperties();
        assertEquals(grpcPort, port.get("containerPort").integer(),
                port.path() + ".containerPort against quarkus.grpc.server.port in application.properties");
        assertEquals(grpcPort, Manifests.config(gateway).getValue("quarkus.grpc.server.port", Integer.class),
                gateway.path() + ": the gateway's environment moves its gRPC server off the declared port");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void probesAskTheGrpcHealthServiceOnTheServingPort(Path file) {
        Node gateway = byRole(file, Role.GATEWAY);
        int port = gateway.get("ports").items().get(0).get("containerPort").integer();
        for (String kind : List.of("readinessProbe", "livenessProbe")) {
            Node probe = gateway.get(kind);
            assertFalse(probe.missing(), probe.path() + ": missing");
            for (String other : List.of("httpGet", "tcpSocket", "exec")) {
                assertTrue(probe.get(other).missing(), probe.path() + ": " + other + " instead of grpc");
            }
            assertEquals(port, probe.at("grpc", "port").integer(), probe.path() + ".grpc.port");
        }
        // A second container may have no probes under Knative (without multi-container-probing), and
        // the sidecar's socket is nothing kubelet can probe: the gateway's readiness covers it.
        Node sidecar = byRole(file, Role.INFERENCE);
        for (String kind : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertTrue(sidecar.get(kind).missing(), sidecar.get(kind).path() + ": set");
        }
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theGpuIsTheSidecarsAlone(Path file) {
        Node sidecar = byRole(file, Role.INFERENCE);
        assertEquals(1, sidecar.at("resources", "limits", GPU).integer(), sidecar.path() + ": GPU limit");
        Node gateway = byRole(file, Role.GATEWAY);
        for (String kind : List.of("limits", "requests")) {
            assertTrue(gateway.at("resources", kind, GPU).missing(), gateway.path() + ".resources." + kind + ": GPU");
        }
    }

    @ParameterizedTest
    @MethodSource("pods")
    void modelsAreMountedReadOnlyInTheSidecarAlone(Path file) {
        Node sidecar = byRole(file, Role.INFERENCE);
        String dir = Manifests.refseg(sidecar).models().dir()
                .orElseGet(() -> fail(sidecar.path() + ": no refseg.models.dir")).toString();
        List<Node> mounts = sidecar.get("volumeMounts").items().stream()
                .filter(m -> dir.equals(m.get("mountPath").text())).toList();
        assertEquals(1, mounts.size(), sidecar.path() + ": mounts at refseg.models.dir " + dir);
        Node mount = mounts.get(0);
        assertEquals("true", mount.get("readOnly").text(), mount.path() + ".readOnly");
        String volumeName = mount.get("name").required();
        Node volume = Manifests.podSpec(file).get("volumes").named(volumeName);
        Node claim = volume.get("persistentVolumeClaim");
        assertTrue(!claim.missing() || !volume.get("image").missing(),
                volume.path() + ": the models come from a claim or an image volume");
        if (!claim.missing()) {
            assertEquals("true", claim.get("readOnly").text(), claim.path() + ".readOnly");
        }

        Node gateway = byRole(file, Role.GATEWAY);
        assertTrue(gateway.get("volumeMounts").named(volumeName).missing(), gateway.path() + ": mounts the models");
        assertTrue(Manifests.refseg(gateway).models().dir().isEmpty(), gateway.path() + ": refseg.models.dir set");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theLlmKeyComesFromTheSecretToTheGatewayAlone(Path file) {
        Node gateway = byRole(file, Role.GATEWAY);
        Node entry = gateway.get("env").named(LLM_KEY_ENV);
        assertTrue(entry.get("value").missing(), entry.path() + ": a literal key");
        Node ref = entry.at("valueFrom", "secretKeyRef");
        Node secret = Manifests.only(Manifests.SECRET_TEMPLATE, "Secret");
        assertEquals(secret.at("metadata", "name").text(), ref.get("name").text(), ref.path() + ".name");
        assertTrue(secret.get("stringData").keys().contains(ref.get("key").required()),
                ref.path() + ".key is not in " + Manifests.SECRET_TEMPLATE);

        for (Node c : Manifests.containers(file)) {
            assertFalse(Manifests.literalEnv(c).containsKey(LLM_KEY_ENV), c.path() + ": a literal " + LLM_KEY_ENV);
        }
        Node sidecar = byRole(file, Role.INFERENCE);
        assertFalse(Manifests.envNames(sidecar).contains(LLM_KEY_ENV), sidecar.path() + ": gets the LLM key");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theGatewayReachesTheSidecarOnThePodsLoopbackOnly(Path file) {
        Node gateway = byRole(file, Role.GATEWAY);
        Node sidecar = byRole(file, Role.INFERENCE);
        String address = Manifests.config(gateway).getValue("refseg.inference.address", String.class);
        int port = Manifests.config(sidecar).getValue("quarkus.grpc.server.port", Integer.class);
        String host = Manifests.config(sidecar).getValue("quarkus.grpc.server.host", String.class);
        assertEquals("localhost:" + port, address, gateway.path() + ": refseg.inference.address against the "
                + "sidecar's gRPC port");
        assertEquals("127.0.0.1", host, sidecar.path() + ": the sidecar must listen on the pod's loopback only");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void containersRunUnprivilegedAsOneUser(Path file) {
        Set<String> users = new HashSet<>();
        for (Node c : Manifests.containers(file)) {
            Node sc = c.get("securityContext");
            assertEquals("true", sc.get("runAsNonRoot").text(), sc.path() + ".runAsNonRoot");
            assertEquals("true", sc.get("readOnlyRootFilesystem").text(), sc.path() + ".readOnlyRootFilesystem");
            assertEquals("false", sc.get("allowPrivilegeEscalation").text(), sc.path() + ".allowPrivilegeEscalation");
            assertTrue(sc.at("capabilities", "drop").items().stream().anyMatch(d -> "ALL".equals(d.text())),
                    sc.path() + ".capabilities.drop lacks ALL");
            assertNotEquals(0, sc.get("runAsUser").integer(), sc.path() + ".runAsUser");
            users.add(sc.get("runAsUser").required());
        }
        assertEquals(1, users.size(), file + ": both containers must run as one user, got " + users);
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theContainersPortsDoNotCollide(Path file) {
        // The containers share the pod's network (and, under Knative, the queue-proxy's ports).
        Set<Integer> taken = new HashSet<>(KNATIVE_RESERVED_PORTS);
        for (Node c : Manifests.containers(file)) {
            SmallRyeConfig config = Manifests.config(c);
            int grpc = config.getValue("quarkus.grpc.server.port", Integer.class);
            int http = config.getOptionalValue("quarkus.http.port", Integer.class).orElse(QUARKUS_HTTP_DEFAULT_PORT);
            for (int port : List.of(grpc, http)) {
                assertTrue(taken.add(port), c.path() + ": port " + port + " is taken in the pod");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("pods")
    void everyRefsegVariableSetsAConfigKey(Path file) {
        List<String> unknown = new ArrayList<>();
        for (Node c : Manifests.containers(file)) {
            Manifests.envNames(c).stream().filter(n -> n.startsWith("REFSEG_"))
                    .filter(n -> ConfigKeys.keyOf(n).isEmpty()).forEach(n -> unknown.add(c.path() + ": " + n));
        }
        assertEquals(List.of(), unknown, "variables that set no key of RefsegConfig (nor of ConfigKeys.PENDING)");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void serviceLinksAreOff(Path file) {
        // Service links would add REFSEG_SERVICE_HOST, REFSEG_PORT... for a Service named refseg: refseg.* to the config.
        assertEquals("false", Manifests.podSpec(file).get("enableServiceLinks").text(),
                file + ": spec.template.spec.enableServiceLinks");
    }

    @ParameterizedTest
    @MethodSource("pods")
    void memoryLimitsHoldTheBudget(Path file) {
        Node sidecar = byRole(file, Role.INFERENCE);
        RefsegConfig s = Manifests.refseg(sidecar);
        long heap = HEAP_BASE_MIB + HEAP_PER_SESSION_MIB * s.limits().maxSessions()
                + HEAP_PER_OBJECT_MIB * s.limits().maxTrackedObjects();
        long sidecarLimit = Quantity.mebibytes(sidecar.at("resources", "limits", "memory"));
        assertTrue(sidecarLimit >= 2 * heap + BESIDE_HEAP_MIB, sidecar.path() + ": memory limit " + sidecarLimit
                + " MiB < 2 x " + heap + " MiB (heap, direct buffers) + " + BESIDE_HEAP_MIB + " MiB");

        // The gateway holds per call at most one request message on its way to the sidecar.
        Node gateway = byRole(file, Role.GATEWAY);
        RefsegConfig g = Manifests.refseg(gateway);
        long gatewayNeed = HEAP_BASE_MIB + (long) g.limits().maxSessions() * g.limits().maxRequestBytes() / (1 << 20);
        long gatewayLimit = Quantity.mebibytes(gateway.at("resources", "limits", "memory"));
        assertTrue(gatewayLimit >= gatewayNeed, gateway.path() + ": memory limit " + gatewayLimit + " MiB < "
                + gatewayNeed + " MiB (256 + max-sessions x max-request-bytes)");

        for (Node c : Manifests.containers(file)) {
            Node requests = c.at("resources", "requests");
            for (String r : requests.keys()) {
                Node limit = c.at("resources", "limits", r);
                assertFalse(limit.missing(), limit.path() + ": a request without a limit");
                assertTrue(Quantity.of(requests.get(r)).compareTo(Quantity.of(limit)) <= 0,
                        requests.get(r) + " exceeds " + limit);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("pods")
    void theGracePeriodCoversTheDrain(Path file) {
        long drain = 0;
        for (Node c : Manifests.containers(file)) {
            Duration d = Manifests.config(c).getValue("refseg.shutdown.drain-timeout", Duration.class);
            drain = Math.max(drain, d.toSeconds());
        }
        Node spec = Manifests.podSpec(file);
        // Knative refuses terminationGracePeriodSeconds and gives the pod the request timeout instead.
        Node grace = file.equals(Manifests.KNATIVE) ? spec.get("timeoutSeconds") : spec.get("terminationGracePeriodSeconds");
        if (file.equals(Manifests.KNATIVE)) {
            assertTrue(spec.get("terminationGracePeriodSeconds").missing(), file + ": Knative refuses it");
        }
        assertTrue(grace.integer() >= drain + EXIT_MARGIN_SECONDS,
                grace + " s leaves the process no " + EXIT_MARGIN_SECONDS + " s after a drain of " + drain + " s");
    }

    @Test
    void noConfigMapHoldsTheLlmKey() {
        for (Node cm : Manifests.documents(Manifests.CONFIG)) {
            assertFalse(cm.get("data").keys().contains(LLM_KEY_ENV), cm.path() + " holds " + LLM_KEY_ENV);
        }
    }
}
