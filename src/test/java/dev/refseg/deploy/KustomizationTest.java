package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The kustomizations name only files that exist, and the two overlays apply every manifest but the Secret template. */
class KustomizationTest {
    private static final String KUSTOMIZATION = "kustomization.yaml";
    private static final Path KNATIVE = Manifests.ROOT.resolve("knative");
    private static final Path PLAIN = Manifests.ROOT.resolve("plain");
    /** Something shaped like an OpenAI or similar API key, which must never be committed. */
    private static final Pattern KEY_SHAPED = Pattern.compile("sk-[A-Za-z0-9_-]{16,}");

    /** Every path a kustomization names: resources, components, patches, generators' files. */
    private static List<Path> references(Path dir) {
        Node k = Manifests.documents(dir.resolve(KUSTOMIZATION)).get(0);
        List<String> named = new ArrayList<>();
        for (String list : List.of("resources", "components", "patchesStrategicMerge", "crds")) {
            k.get(list).items().forEach(n -> named.add(n.required()));
        }
        k.get("patches").items().stream().filter(p -> !p.get("path").missing()).forEach(p -> named.add(p.get("path").text()));
        for (String generator : List.of("configMapGenerator", "secretGenerator")) {
            for (Node g : k.get(generator).items()) {
                // "files" entries may be "key=path".
                g.get("files").items().forEach(f -> named.add(f.required().replaceFirst("^[^=]*=", "")));
                g.get("envs").items().forEach(f -> named.add(f.required()));
            }
        }
        return named.stream().map(n -> dir.resolve(n).normalize()).toList();
    }

    /** The manifest files an overlay applies, through the kustomizations it names. */
    private static Set<Path> applied(Path dir) {
        Set<Path> out = new TreeSet<>();
        for (Path p : references(dir)) {
            if (Files.isDirectory(p)) {
                out.addAll(applied(p));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    @Test
    void everyNamedFileExists() {
        List<Path> kustomizations = Manifests.files(KUSTOMIZATION);
        assertFalse(kustomizations.isEmpty(), "no kustomization under " + Manifests.ROOT);
        for (Path k : kustomizations) {
            for (Path p : references(k.getParent())) {
                assertTrue(Files.isRegularFile(p) || Files.isRegularFile(p.resolve(KUSTOMIZATION)),
                        k + " names " + p + ", which is neither a file nor a folder with a " + KUSTOMIZATION);
            }
        }
    }

    @Test
    void theOverlaysApplyEveryManifestButTheSecretTemplate() {
        Set<Path> applied = new TreeSet<>(applied(KNATIVE));
        applied.addAll(applied(PLAIN));
        Set<Path> expected = new TreeSet<>();
        for (Path p : Manifests.files(".yaml")) {
            String name = p.getFileName().toString();
            if (!name.equals(KUSTOMIZATION) && !name.endsWith(".template.yaml")) {
                expected.add(p.normalize());
            }
        }
        assertEquals(expected, applied, "manifests under " + Manifests.ROOT + " against what the overlays apply");
        assertFalse(applied.contains(Manifests.SECRET_TEMPLATE.normalize()),
                "applying the Secret template would overwrite the real key with its placeholder");
    }

    @Test
    void eachOverlayAppliesItsKindOfDeploymentAndTheSharedBase() {
        assertEquals(Set.of("Service/serving.knative.dev/v1"), workloads(applied(KNATIVE)));
        assertEquals(Set.of("Deployment/apps/v1", "Service/v1", "HorizontalPodAutoscaler/autoscaling/v2",
                "PodDisruptionBudget/policy/v1"), workloads(applied(PLAIN)));
        for (Path overlay : List.of(KNATIVE, PLAIN)) {
            assertTrue(applied(overlay).contains(Manifests.CONFIG.normalize()), overlay + " leaves out " + Manifests.CONFIG);
        }
    }

    /** Kind and apiVersion of everything but the shared ConfigMaps and claim. */
    private static Set<String> workloads(Set<Path> files) {
        Set<String> kinds = new TreeSet<>();
        for (Path f : files) {
            for (Node d : Manifests.documents(f)) {
                String kind = d.get("kind").required();
                if (!kind.equals("ConfigMap") && !kind.equals("PersistentVolumeClaim")) {
                    kinds.add(kind + "/" + d.get("apiVersion").required());
                }
            }
        }
        return kinds;
    }

    @Test
    void theSecretTemplateHoldsAPlaceholderAndNoFileHoldsAKey() throws IOException {
        Node secret = Manifests.only(Manifests.SECRET_TEMPLATE, "Secret");
        Node data = secret.get("stringData");
        assertFalse(data.keys().isEmpty(), data.path() + ": empty");
        for (String k : data.keys()) {
            assertTrue(data.get(k).required().startsWith("REPLACE-ME"), data.get(k) + ": not an obvious placeholder");
        }
        assertTrue(secret.get("data").missing(), secret.path() + ": base64 data would hide what it holds");
        for (Path f : Manifests.files(".yaml")) {
            assertFalse(KEY_SHAPED.matcher(Files.readString(f)).find(), f + " holds something shaped like an API key");
        }
    }
}
