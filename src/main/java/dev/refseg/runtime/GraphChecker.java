package dev.refseg.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.refseg.onnx.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Compares a loaded graph's inputs and outputs with the interfaces accepted for its role: names, element
 * types, ranks and every fixed dimension. A dimension the graph leaves dynamic is accepted wherever the
 * spec fixes one (the adapter feeds the fixed size). Where the spec wants float, a float16 or bfloat16
 * tensor is accepted too ({@link GraphRunner} converts it at the boundary); integer and bool types must
 * match exactly, since a wrong integer width is an export of another family, not a precision choice.
 */
public final class GraphChecker {
    private GraphChecker() {
    }

    /**
     * The accepted interface a graph matched.
     *
     * @param converted the graph's half-precision tensors that stand for float ones, as "name type"
     *                  (e.g. "pixel_values float16"), inputs then outputs in spec order; empty for fp32 graphs
     */
    public record Match(GraphSpec spec, List<String> converted) {
        public Match {
            converted = List.copyOf(converted);
        }
    }

    /** The graph's tensors as specs, read from an ORT session. */
    public static Map<String, TensorSpec> describe(Map<String, NodeInfo> infos) {
        Map<String, TensorSpec> out = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> e : infos.entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo t)) {
                out.put(e.getKey(), null);
                continue;
            }
            DType type;
            try {
                type = DType.of(t.type);
            } catch (IllegalArgumentException x) {
                type = null;
            }
            out.put(e.getKey(), type == null ? null : TensorSpec.of(e.getKey(), type, t.getShape()));
        }
        return out;
    }

    /**
     * Returns the accepted spec the session matches.
     *
     * @throws ModelLoadException naming the graph, every mismatched tensor and the export expected
     */
    public static Match check(String key, Path file, List<GraphSpec> accepted, OrtSession session) {
        try {
            refuseUnsupportedTypes(key, file, accepted, session);
            return check(key, file, accepted, describe(session.getInputInfo()), describe(session.getOutputInfo()));
        } catch (OrtException e) {
            throw new ModelLoadException("graph " + key + " (" + file + "): cannot read its inputs and outputs: "
                    + e.getMessage(), e);
        }
    }

    /** As {@link #check(String, Path, List, OrtSession)}, from the graph's tensors. */
    public static Match check(String key, Path file, List<GraphSpec> accepted, Map<String, TensorSpec> inputs,
            Map<String, TensorSpec> outputs) {
        List<String> best = null;
        GraphSpec closest = accepted.get(0);
        for (GraphSpec spec : accepted) {
            List<String> converted = new ArrayList<>();
            List<String> problems = problems(spec, inputs, outputs, converted);
            if (problems.isEmpty()) {
                return new Match(spec, converted);
            }
            if (best == null || problems.size() < best.size()) {
                best = problems;
                closest = spec;
            }
        }
        // Quote the family the graph came closest to: that is the export the operator most likely meant.
        GraphSpec first = closest;
        throw new ModelLoadException("graph " + key + " (" + file + ") does not have the expected interface: "
                + String.join("; ", best) + ". The graph has inputs [" + list(inputs) + "] and outputs ["
                + list(outputs) + "]. Expected " + first.expectedExport() + ", with inputs ["
                + first.inputs().stream().map(TensorSpec::describe).collect(Collectors.joining(", "))
                + "] and outputs ["
                + first.outputs().stream().map(TensorSpec::describe).collect(Collectors.joining(", ")) + "]");
    }

    /** Every way a graph's tensors differ from one interface, in words; empty when they match it. */
    public static List<String> problems(GraphSpec spec, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {
        return problems(spec, inputs, outputs, new ArrayList<>());
    }

    /** As {@link #problems(GraphSpec, Map, Map)}, adding the half-precision tensors that stand for float to {@code converted}. */
    private static List<String> problems(GraphSpec spec, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs,
            List<String> converted) {
        List<String> problems = new ArrayList<>();
        compare("input", spec.inputs(), inputs, problems, converted);
        compare("output", spec.outputs(), outputs, problems, converted);
        for (String name : inputs.keySet()) {
            if (spec.inputs().stream().noneMatch(t -> t.name().equals(name))) {
                problems.add("input '" + name + "' is not one the adapter feeds");
            }
        }
        return problems;
    }

    /**
     * Refuses a graph whose tensor (one an accepted interface names) has an element type refseg cannot
     * feed or read, naming the tensor and the type: {@link #describe} can only say "unsupported".
     */
    private static void refuseUnsupportedTypes(String key, Path file, List<GraphSpec> accepted, OrtSession session)
            throws OrtException {
        for (boolean in : new boolean[] {true, false}) {
            for (Map.Entry<String, NodeInfo> e : (in ? session.getInputInfo() : session.getOutputInfo()).entrySet()) {
                if (!(e.getValue().getInfo() instanceof TensorInfo t) || supported(t)
                        || accepted.stream().flatMap(s -> (in ? s.inputs() : s.outputs()).stream())
                                .noneMatch(s -> s.name().equals(e.getKey()))) {
                    continue;
                }
                String type = t.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toLowerCase();
                throw new ModelLoadException("graph " + key + " (" + file + "): " + (in ? "input '" : "output '")
                        + e.getKey() + "' is " + type + ", an element type refseg does not take; use an export "
                        + "whose inputs and outputs are of the expected export's types (float may be float16)");
            }
        }
    }

    private static boolean supported(TensorInfo t) {
        try {
            DType.of(t.type);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void compare(String kind, List<TensorSpec> wanted, Map<String, TensorSpec> actual,
            List<String> problems, List<String> converted) {
        for (TensorSpec w : wanted) {
            if (!actual.containsKey(w.name())) {
                if (!w.optional()) {
                    problems.add(kind + " '" + w.name() + "' is missing");
                }
                continue;
            }
            TensorSpec a = actual.get(w.name());
            if (a == null) {
                problems.add(kind + " '" + w.name() + "' is not a tensor of a supported type");
                continue;
            }
            if (w.type() == DType.FLOAT && a.type().isHalfFloat()) {
                converted.add(w.name() + " " + a.type().name().toLowerCase());
            } else if (a.type() != w.type()) {
                problems.add(kind + " '" + w.name() + "' is " + a.type().name().toLowerCase() + ", expected "
                        + w.type().name().toLowerCase());
            }
            if (a.shape().length != w.shape().length) {
                problems.add(kind + " '" + w.name() + "' has rank " + a.shape().length + ", expected "
                        + w.shape().length + " (" + w.describe() + ")");
                continue;
            }
            for (int d = 0; d < w.shape().length; d++) {
                long ws = w.shape()[d];
                long as = a.shape()[d];
                if (ws >= 0 && as >= 0 && ws != as) {
                    problems.add(kind + " '" + w.name() + "' has size " + as + " in dimension " + d + ", expected "
                            + ws + " (" + w.describe() + ")");
                }
            }
        }
    }

    private static String list(Map<String, TensorSpec> m) {
        return m.entrySet().stream().map(e -> e.getValue() == null ? e.getKey() + " (unsupported)"
                : e.getValue().describe()).collect(Collectors.joining(", "));
    }
}
