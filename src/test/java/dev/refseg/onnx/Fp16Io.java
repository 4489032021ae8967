package dev.refseg.onnx;

import dev.refseg.onnx.proto.AttributeProto;
import dev.refseg.onnx.proto.GraphProto;
import dev.refseg.onnx.proto.ModelProto;
import dev.refseg.onnx.proto.NodeProto;
import dev.refseg.onnx.proto.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives a model half-precision I/O, as exports with fp16 inputs and outputs have (e.g. the hub's
 * {@code *-fp16} SAM 2.1 graphs): every float graph input and output is declared float16 under the same
 * name, a Cast to float follows each input and a Cast to float16 precedes each output, and the body keeps
 * computing in float. The values crossing the boundary are therefore rounded to float16 exactly as a
 * real fp16 export's are.
 */
public final class Fp16Io {
    /** Where the float value behind a converted graph input or output lives inside the graph. */
    static final String INNER = "/fp32";

    private Fp16Io() {
    }

    /**
     * @throws IllegalArgumentException when the graph has subgraphs (If, Loop, Scan: their references to
     *         outer names are not followed) or a float output that no node produces
     */
    public static ModelProto convert(ModelProto model) {
        GraphProto g = model.getGraph();
        requireFlat(g);
        Map<String, String> inputs = new HashMap<>();
        Map<String, String> outputs = new HashMap<>();
        GraphProto.Builder b = g.toBuilder().clearNode();
        List<NodeProto> head = new ArrayList<>();
        for (ValueInfoProto.Builder in : b.getInputBuilderList()) {
            if (isFloat(in)) {
                inputs.put(in.getName(), in.getName() + INNER);
                head.add(cast(in.getName(), in.getName() + INNER, DType.FLOAT));
                setHalf(in);
            }
        }
        List<NodeProto> tail = new ArrayList<>();
        for (ValueInfoProto.Builder out : b.getOutputBuilderList()) {
            if (isFloat(out)) {
                if (g.getNodeList().stream().noneMatch(n -> n.getOutputList().contains(out.getName()))) {
                    throw new IllegalArgumentException("output " + out.getName() + " is not produced by a node");
                }
                outputs.put(out.getName(), out.getName() + INNER);
                tail.add(cast(out.getName() + INNER, out.getName(), DType.FLOAT16));
                setHalf(out);
            }
        }
        b.addAllNode(head);
        for (NodeProto n : g.getNodeList()) {
            b.addNode(rename(n, inputs, outputs));
        }
        b.addAllNode(tail);
        for (ValueInfoProto.Builder v : b.getValueInfoBuilderList()) {
            v.setName(outputs.getOrDefault(v.getName(), v.getName()));
        }
        return model.toBuilder().setGraph(b).build();
    }

    /** A node reading converted inputs' float values and writing converted outputs' float values. */
    private static NodeProto rename(NodeProto n, Map<String, String> inputs, Map<String, String> outputs) {
        NodeProto.Builder r = n.toBuilder();
        for (int i = 0; i < r.getInputCount(); i++) {
            String name = r.getInput(i);
            r.setInput(i, inputs.getOrDefault(name, outputs.getOrDefault(name, name)));
        }
        for (int i = 0; i < r.getOutputCount(); i++) {
            r.setOutput(i, outputs.getOrDefault(r.getOutput(i), r.getOutput(i)));
        }
        return r.build();
    }

    private static NodeProto cast(String from, String to, DType type) {
        return NodeProto.newBuilder().setOpType("Cast").setName("cast_to_" + to).addInput(from).addOutput(to)
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(type.onnxCode()))
                .build();
    }

    private static boolean isFloat(ValueInfoProto.Builder v) {
        return v.getType().getTensorType().getElemType() == DType.FLOAT.onnxCode();
    }

    private static void setHalf(ValueInfoProto.Builder v) {
        v.getTypeBuilder().getTensorTypeBuilder().setElemType(DType.FLOAT16.onnxCode());
    }

    static void requireFlat(GraphProto g) {
        for (NodeProto n : g.getNodeList()) {
            for (AttributeProto a : n.getAttributeList()) {
                if (a.getType() == AttributeProto.AttributeType.GRAPH
                        || a.getType() == AttributeProto.AttributeType.GRAPHS) {
                    throw new IllegalArgumentException("node " + n.getName() + " (" + n.getOpType()
                            + ") has a subgraph, which this transform does not rewrite");
                }
            }
        }
    }
}
