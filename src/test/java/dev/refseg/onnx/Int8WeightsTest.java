package dev.refseg.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.refseg.onnx.GraphBuilder.Value;
import dev.refseg.onnx.proto.AttributeProto;
import dev.refseg.onnx.proto.GraphProto;
import dev.refseg.onnx.proto.ModelProto;
import dev.refseg.onnx.proto.NodeProto;
import dev.refseg.onnx.proto.TensorProto;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Weights stored as initializers and as Constant nodes are quantised alike. */
class Int8WeightsTest {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @Test
    void constantNodesAndInitializersGiveTheSameGraph() throws Exception {
        GraphBuilder g = new GraphBuilder("dense");
        Value x = g.input("x", DType.FLOAT, 1, 16);
        float[] w = new float[16 * 8];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) * 0.7f;
        }
        g.output("y", g.add(g.matMul(x, g.constant(w, 16, 8)), g.constant(new float[8], 8)), DType.FLOAT, 1, 8);
        ModelProto asInitializers = g.model();
        ModelProto asConstants = initializersToConstants(asInitializers);

        ModelProto a = Int8Weights.quantise(asInitializers);
        ModelProto b = Int8Weights.quantise(asConstants);
        for (ModelProto q : new ModelProto[] {a, b}) {
            // The 128-value weight is int8 now; the 8-value bias stays float.
            assertEquals(1, q.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear"))
                    .count());
            assertTrue(q.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Constant")
                    && n.getAttribute(0).getT().getDimsCount() == 2));
        }
        float[] in = new float[16];
        in[3] = 1;
        float[] exact = run(asInitializers, in);
        float[] fromInitializers = run(a, in);
        assertArrayEquals(fromInitializers, run(b, in), 0f);
        // x is one-hot: y is row 3 of the weight, each value off by at most half a step.
        assertArrayEquals(exact, fromInitializers, Int8Weights.step(w) / 2 + 1e-6f);
    }

    /** The same model with every initializer moved into a Constant node, as some exporters write weights. */
    private static ModelProto initializersToConstants(ModelProto m) {
        GraphProto.Builder g = m.getGraph().toBuilder().clearInitializer().clearNode();
        for (TensorProto t : m.getGraph().getInitializerList()) {
            g.addNode(NodeProto.newBuilder().setOpType("Constant").setName("c_" + t.getName()).addOutput(t.getName())
                    .addAttribute(AttributeProto.newBuilder().setName("value")
                            .setType(AttributeProto.AttributeType.TENSOR).setT(t.toBuilder().clearName())));
        }
        g.addAllNode(m.getGraph().getNodeList());
        return m.toBuilder().setGraph(g).build();
    }

    private static float[] run(ModelProto m, float[] x) throws Exception {
        try (OrtSession s = ENV.createSession(m.toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {1, 16});
                OrtSession.Result r = s.run(Map.of("x", t))) {
            FloatBuffer out = ((OnnxTensor) r.get("y").orElseThrow()).getFloatBuffer();
            float[] v = new float[out.remaining()];
            out.get(v);
            return v;
        }
    }
}
