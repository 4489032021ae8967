package dev.refseg.onnx;

import com.google.protobuf.ByteString;
import dev.refseg.onnx.proto.AttributeProto;
import dev.refseg.onnx.proto.GraphProto;
import dev.refseg.onnx.proto.ModelProto;
import dev.refseg.onnx.proto.NodeProto;
import dev.refseg.onnx.proto.TensorProto;
import dev.refseg.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Weight-only int8 quantisation in the QDQ form that onnxruntime's quantisation tools write: every float
 * weight of at least {@link #MIN_ELEMENTS} values, whether an initializer or a Constant node, becomes an
 * int8 initializer {@code <name>_quantized} with a float scale {@code <name>_scale} and a zero point
 * {@code <name>_zero_point} (0: symmetric, per tensor), and a DequantizeLinear node that produces the
 * original name, so the rest of the graph is untouched. Each weight w becomes round(w / s) * s with
 * s = max|w| / 127, an error of at most s / 2 per value ({@link #step}).
 */
public final class Int8Weights {
    /** Smaller tensors (scalars, biases, shapes) stay float, as quantisers leave them. */
    public static final int MIN_ELEMENTS = 64;

    private Int8Weights() {
    }

    /** The quantisation step s of a weight: max|w| / 127 (1 for an all-zero tensor). */
    public static float step(float[] w) {
        float max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        return max == 0 ? 1 : max / 127;
    }

    /** @throws IllegalArgumentException when the graph has subgraphs (their weights would be missed) */
    public static ModelProto quantise(ModelProto model) {
        GraphProto g = model.getGraph();
        Fp16Io.requireFlat(g);
        // An initializer that is also a graph input is a default the caller may override: it stays float.
        Set<String> overridable = g.getInputList().stream().map(ValueInfoProto::getName).collect(Collectors.toSet());
        GraphProto.Builder b = g.toBuilder().clearInitializer().clearNode();
        List<NodeProto> dequantise = new ArrayList<>();
        for (TensorProto t : g.getInitializerList()) {
            if (quantisable(t) && !overridable.contains(t.getName())) {
                dequantise.add(addQuantised(b, t.getName(), t));
            } else {
                b.addInitializer(t);
            }
        }
        b.addAllNode(dequantise);
        for (NodeProto n : g.getNodeList()) {
            TensorProto value = constantValue(n);
            b.addNode(value != null && quantisable(value) ? addQuantised(b, n.getOutput(0), value) : n);
        }
        return model.toBuilder().setGraph(b).build();
    }

    /** The tensor of a Constant node given by its {@code value} attribute, else null. */
    private static TensorProto constantValue(NodeProto n) {
        if (!n.getOpType().equals("Constant") || !n.getDomain().isEmpty()) {
            return null;
        }
        return n.getAttributeList().stream().filter(a -> a.getName().equals("value")
                && a.getType() == AttributeProto.AttributeType.TENSOR).map(AttributeProto::getT).findFirst()
                .orElse(null);
    }

    private static boolean quantisable(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return t.getDataType() == DType.FLOAT.onnxCode() && n >= MIN_ELEMENTS;
    }

    /** Adds the int8 tensor, scale and zero point of {@code t}; returns the DequantizeLinear node making {@code name}. */
    private static NodeProto addQuantised(GraphProto.Builder b, String name, TensorProto t) {
        float[] w = values(t);
        float s = step(w);
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            q[i] = (byte) Math.max(-127, Math.min(127, Math.round(w[i] / s)));
        }
        b.addInitializer(TensorProto.newBuilder().setName(name + "_quantized").setDataType(DType.INT8.onnxCode())
                .addAllDims(t.getDimsList()).setRawData(ByteString.copyFrom(q)));
        b.addInitializer(TensorProto.newBuilder().setName(name + "_scale").setDataType(DType.FLOAT.onnxCode())
                .addFloatData(s));
        b.addInitializer(TensorProto.newBuilder().setName(name + "_zero_point").setDataType(DType.INT8.onnxCode())
                .setRawData(ByteString.copyFrom(new byte[1])));
        return NodeProto.newBuilder().setOpType("DequantizeLinear").setName(name + "_DequantizeLinear")
                .addInput(name + "_quantized").addInput(name + "_scale").addInput(name + "_zero_point")
                .addOutput(name).build();
    }

    /** A float tensor's values, from raw_data (little-endian) or float_data. */
    public static float[] values(TensorProto t) {
        if (t.getRawData().isEmpty()) {
            float[] v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
            return v;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(v);
        return v;
    }
}
