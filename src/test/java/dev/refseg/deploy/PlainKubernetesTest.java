package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** plain/: the Deployment's Service, autoscaler and disruption budget find its pods and match the Knative Service. */
class PlainKubernetesTest {
    private static final Path PLAIN = Manifests.ROOT.resolve("plain");

    private final Node deployment = Manifests.only(Manifests.DEPLOYMENT, "Deployment");
    private final Node podLabels = deployment.at("spec", "template", "metadata", "labels");
    private final Node knativeAnnotations = Manifests.only(Manifests.KNATIVE, "Service")
            .at("spec", "template", "metadata", "annotations");

    /** Every label the selector asks for is on the pod template. */
    private void selects(Node matchLabels) {
        assertTrue(!matchLabels.keys().isEmpty(), matchLabels.path() + ": selects nothing");
        for (String k : matchLabels.keys()) {
            assertEquals(matchLabels.get(k).text(), podLabels.get(k).text(), matchLabels.path() + "." + k
                    + " against the Deployment's pod labels");
        }
    }

    @Test
    void theDeploymentSelectsItsPodsAndLeavesTheCountToTheAutoscaler() {
        selects(deployment.at("spec", "selector", "matchLabels"));
        assertTrue(deployment.at("spec", "replicas").missing(), "spec.replicas would reset the HPA's count on every apply");
    }

    @Test
    void theServiceReachesTheGatewaysH2cPort() {
        Node service = Manifests.only(PLAIN.resolve("service.yaml"), "Service");
        selects(service.at("spec", "selector"));
        List<Node> ports = service.at("spec", "ports").items();
        assertEquals(1, ports.size(), service.path() + ": ports");
        Node port = ports.get(0);
        Node served = Manifests.containers(Manifests.DEPLOYMENT).get(0).get("ports").items().get(0);
        assertEquals(served.get("containerPort").integer(), port.get("port").integer(), port.path() + ".port");
        String target = port.get("targetPort").required();
        assertTrue(target.equals(served.get("name").text()) || target.equals(served.get("containerPort").text()),
                port.path() + ".targetPort " + target + " is not the gateway's port");
        assertEquals("kubernetes.io/h2c", port.get("appProtocol").text(), port.path() + ".appProtocol");
    }

    @Test
    void theAutoscalerScalesTheDeploymentAsKnativeWould() {
        Node hpa = Manifests.only(PLAIN.resolve("hpa.yaml"), "HorizontalPodAutoscaler");
        assertEquals("autoscaling/v2", hpa.get("apiVersion").text());
        Node target = hpa.at("spec", "scaleTargetRef");
        assertEquals("Deployment", target.get("kind").text(), target.path());
        assertEquals(deployment.at("metadata", "name").text(), target.get("name").text(), target.path());
        assertEquals(knativeAnnotations.get("autoscaling.knative.dev/min-scale").required(),
                hpa.at("spec", "minReplicas").required(), "minReplicas against Knative's min-scale");
        assertEquals(knativeAnnotations.get("autoscaling.knative.dev/max-scale").required(),
                hpa.at("spec", "maxReplicas").required(), "maxReplicas against Knative's max-scale");
        Node sessions = hpa.at("spec", "metrics").items().stream().filter(m -> "Pods".equals(m.get("type").text()))
                .findFirst().orElseThrow(() -> new AssertionError(hpa.path() + ": no per-pod metric")).get("pods");
        assertEquals(ServerFacingManifestsTest.SESSIONS_METRIC, sessions.at("metric", "name").text(), sessions.path());
        assertEquals(knativeAnnotations.get("autoscaling.knative.dev/target").required(),
                sessions.at("target", "averageValue").required(), "streams per pod against Knative's target");
    }

    @Test
    void theDisruptionBudgetCoversThePods() {
        Node pdb = Manifests.only(PLAIN.resolve("pdb.yaml"), "PodDisruptionBudget");
        selects(pdb.at("spec", "selector", "matchLabels"));
    }
}
