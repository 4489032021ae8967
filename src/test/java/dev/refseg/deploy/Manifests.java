package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.refseg.config.RefsegConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The files under k8s/, read as Kubernetes reads them, and the settings each container's process would see. */
final class Manifests {
    static final Path ROOT = Path.of("k8s");
    static final Path KNATIVE = ROOT.resolve("knative/service.yaml");
    static final Path DEPLOYMENT = ROOT.resolve("plain/deployment.yaml");
    static final Path CONFIG = ROOT.resolve("base/config.yaml");
    static final Path SECRET_TEMPLATE = ROOT.resolve("base/llm-secret.template.yaml");
    static final Path APPLICATION_PROPERTIES = Path.of("src/main/resources/application.properties");

    /** Ordinals as Quarkus gives them: environment variables above application.properties. */
    private static final int ENV_ORDINAL = 300;
    private static final int APPLICATION_PROPERTIES_ORDINAL = 250;

    private Manifests() {
    }

    /** Every document of a YAML file (empty documents left out). */
    static List<Node> documents(Path file) {
        try {
            String text = Files.readString(file);
            Iterable<Object> docs = new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text);
            List<Node> out = new ArrayList<>();
            for (Object d : docs) {
                if (d != null) {
                    out.add(new Node(d, file.toString() + ":" + kindOf(d)));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String kindOf(Object doc) {
        Node n = new Node(doc, "");
        return n.get("kind").text() + "/" + n.at("metadata", "name").text();
    }

    /** The one document of {@code kind} in {@code file}. */
    static Node only(Path file, String kind) {
        List<Node> found = documents(file).stream().filter(d -> kind.equals(d.get("kind").text())).toList();
        assertEquals(1, found.size(), file + ": documents of kind " + kind);
        return found.get(0);
    }

    /** The pod template's spec of the Knative Service or the Deployment. */
    static Node podSpec(Path file) {
        Node doc = documents(file).get(0);
        return doc.at("spec", "template", "spec");
    }

    static List<Node> containers(Path file) {
        return podSpec(file).get("containers").items();
    }

    /** The data of ConfigMap {@code name} from base/config.yaml. */
    static Map<String, String> configMap(String name) {
        Node cm = documents(CONFIG).stream()
                .filter(d -> "ConfigMap".equals(d.get("kind").text()) && name.equals(d.at("metadata", "name").text()))
                .findFirst().orElseGet(() -> fail("no ConfigMap " + name + " in " + CONFIG));
        Map<String, String> data = new LinkedHashMap<>();
        Node d = cm.get("data");
        for (String k : d.keys()) {
            data.put(k, d.get(k).text());
        }
        return data;
    }

    /**
     * The literal environment of a container: its ConfigMaps (envFrom, in order) overridden by its own
     * {@code env} values, as the kubelet builds it. Entries from a Secret or the downward API have no
     * literal value and are left out.
     */
    static Map<String, String> literalEnv(Node container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Node from : container.get("envFrom").items()) {
            Node ref = from.get("configMapRef");
            if (ref.missing()) {
                fail(from.path() + ": only configMapRef is expected in envFrom, got " + from.value());
            }
            env.putAll(configMap(ref.get("name").required()));
        }
        for (Node e : container.get("env").items()) {
            if (e.get("valueFrom").missing()) {
                env.put(e.get("name").required(), e.get("value").required());
            } else {
                env.remove(e.get("name").required());
            }
        }
        return env;
    }

    /** Every variable name a container gets, from its ConfigMaps and its own env entries. */
    static List<String> envNames(Node container) {
        List<String> names = new ArrayList<>(literalEnv(container).keySet());
        container.get("env").items().stream().filter(e -> !e.get("valueFrom").missing())
                .map(e -> e.get("name").required()).forEach(names::add);
        return names;
    }

    /**
     * The configuration the container's process would read: its environment over the service's own
     * application.properties, with the refseg.* mapping and Quarkus's duration format ("60s").
     */
    static SmallRyeConfig config(Node container) {
        try {
            return new SmallRyeConfigBuilder()
                    .withMapping(RefsegConfig.class)
                    .withConverter(Duration.class, 200, new DurationConverter())
                    .withSources(new EnvConfigSource(literalEnv(container), ENV_ORDINAL),
                            new PropertiesConfigSource(APPLICATION_PROPERTIES.toUri().toURL(),
                                    APPLICATION_PROPERTIES_ORDINAL))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RefsegConfig refseg(Node container) {
        return config(container).getConfigMapping(RefsegConfig.class);
    }

    /** All k8s/ files with the given name ending, in a stable order. */
    static List<Path> files(String suffix) {
        try (var s = Files.walk(ROOT)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
