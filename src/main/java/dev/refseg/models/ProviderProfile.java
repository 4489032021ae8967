package dev.refseg.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which execution provider ran each node of a session, read from its ONNX Runtime profile (a Chrome
 * trace: a JSON array of events; each node run is an event of category "Node" whose args name the
 * provider, e.g. "CUDAExecutionProvider"). This is what actually ran, which the configured provider list
 * does not tell: ORT places nodes that a provider lacks a kernel for on the CPU.
 */
final class ProviderProfile {
    private static final String SUFFIX = "ExecutionProvider";

    private ProviderProfile() {
    }

    /**
     * Distinct nodes per provider, the provider in lower case without "ExecutionProvider" ("cuda", "cpu",
     * "tensorrt"), in order of first appearance; a node run several times counts once.
     *
     * @throws IOException when the trace cannot be read or is not a JSON array
     */
    static Map<String, Integer> nodesByProvider(Path trace) throws IOException {
        JsonNode root = new ObjectMapper().readTree(trace.toFile());
        if (root == null || !root.isArray()) {
            throw new IOException(trace + " is not an ONNX Runtime profile (a JSON array of events)");
        }
        Map<String, Set<String>> nodes = new LinkedHashMap<>();
        for (JsonNode event : root) {
            String provider = event.path("args").path("provider").asText("");
            if (!"Node".equals(event.path("cat").asText()) || provider.isEmpty()) {
                continue;
            }
            String name = provider.endsWith(SUFFIX) ? provider.substring(0, provider.length() - SUFFIX.length())
                    : provider;
            nodes.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new HashSet<>())
                    .add(event.path("name").asText().replaceFirst("_kernel_time$", ""));
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        nodes.forEach((p, n) -> counts.put(p, n.size()));
        return counts;
    }
}
