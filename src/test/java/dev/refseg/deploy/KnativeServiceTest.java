package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** knative/service.yaml: what Knative itself reads (timeout, concurrency, autoscaling, feature flags). */
class KnativeServiceTest {
    /** Knative's revision-timeout-seconds default, which would cut a stream at 5 minutes. */
    private static final int KNATIVE_DEFAULT_TIMEOUT = 300;
    /** Knative's max-revision-timeout-seconds default: a Service asking for more is refused. */
    private static final int KNATIVE_MAX_TIMEOUT = 600;
    private static final String AUTOSCALING = "autoscaling.knative.dev/";

    private final Node service = Manifests.only(Manifests.KNATIVE, "Service");
    private final Node spec = Manifests.podSpec(Manifests.KNATIVE);

    private String annotation(String name) {
        return service.at("spec", "template", "metadata", "annotations").get(AUTOSCALING + name).required();
    }

    @Test
    void isAKnativeService() {
        assertEquals("serving.knative.dev/v1", service.get("apiVersion").text());
    }

    @Test
    void theRequestTimeoutIsRaisedWithinTheClusterMaximum() {
        int timeout = spec.get("timeoutSeconds").integer();
        assertTrue(timeout > KNATIVE_DEFAULT_TIMEOUT && timeout <= KNATIVE_MAX_TIMEOUT,
                "timeoutSeconds " + timeout + " must lie in (" + KNATIVE_DEFAULT_TIMEOUT + ", " + KNATIVE_MAX_TIMEOUT
                        + "] unless the cluster's max-revision-timeout-seconds is raised");
    }

    @Test
    void containerConcurrencyIsMaxSessions() {
        int concurrency = spec.get("containerConcurrency").integer();
        for (Node c : Manifests.containers(Manifests.KNATIVE)) {
            assertEquals(Manifests.refseg(c).limits().maxSessions(), concurrency,
                    "containerConcurrency against " + c.path() + "'s refseg.limits.max-sessions");
        }
    }

    @Test
    void autoscalingFollowsConcurrencyBelowTheHardLimit() {
        assertEquals("kpa.autoscaling.knative.dev", annotation("class"), "the concurrency metric needs the KPA");
        assertEquals("concurrency", annotation("metric"));
        int target = Integer.parseInt(annotation("target"));
        int concurrency = spec.get("containerConcurrency").integer();
        assertTrue(target > 0 && target <= concurrency, "target " + target + " against containerConcurrency " + concurrency);
        int min = Integer.parseInt(annotation("min-scale"));
        int max = Integer.parseInt(annotation("max-scale"));
        assertTrue(min >= 0 && min <= max, "min-scale " + min + ", max-scale " + max);
    }

    @Test
    void theFeatureFlagsItNeedsAreNamed() throws IOException {
        // Pod-spec fields Knative refuses unless the cluster operator enables them in config-features:
        // the file must say which, so that applying it does not fail with no hint.
        String text = Files.readString(Manifests.KNATIVE);
        Map<String, String> volumeFlags = Map.of("persistentVolumeClaim", "kubernetes.podspec-persistent-volume-claim: enabled",
                "image", "kubernetes.podspec-volumes-image: enabled");
        volumeFlags.forEach((source, flag) -> assertTrue(spec.get("volumes").items().stream()
                .allMatch(v -> v.get(source).missing()) || text.contains(flag),
                Manifests.KNATIVE + " has a " + source + " volume but does not name " + flag));
        Map<String, String> fieldFlags = Map.of("nodeSelector", "kubernetes.podspec-nodeselector: enabled",
                "tolerations", "kubernetes.podspec-tolerations: enabled",
                "affinity", "kubernetes.podspec-affinity: enabled");
        fieldFlags.forEach((field, flag) -> assertTrue(spec.get(field).missing() || text.contains(flag),
                Manifests.KNATIVE + " sets " + field + " but does not name " + flag));
    }

    @Test
    void itRunsTheDeploymentsContainersAndVolumes() {
        // One pod, two ways to run it: the plain Deployment must not drift from the Knative Service.
        Node deployment = Manifests.podSpec(Manifests.DEPLOYMENT);
        assertEquals(deployment.get("containers").value(), spec.get("containers").value());
        assertEquals(deployment.get("volumes").value(), spec.get("volumes").value());
    }
}
