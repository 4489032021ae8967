package dev.refseg.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.refseg.onnx.GraphBuilder.Value;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Graphs built in Java must load in ONNX Runtime and compute what their helpers say. */
class GraphBuilderTest {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private static float[] run(byte[] model, String input, float[] data, long[] shape, String output) throws Exception {
        try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
                OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(data), shape);
                OrtSession.Result r = s.run(Map.of(input, t))) {
            OnnxTensor out = (OnnxTensor) r.get(output).orElseThrow();
            FloatBuffer b = out.getFloatBuffer();
            float[] v = new float[b.remaining()];
            b.get(v);
            return v;
        }
    }

    @Test
    void denseLayerRoundTrip() throws Exception {
        GraphBuilder g = new GraphBuilder("dense");
        Value x = g.input("x", DType.FLOAT, "batch", 3);
        float[] w = {1, 2, 3, 4, 5, 6}; // [3,2]
        Value y = g.relu(g.add(g.matMul(x, g.constant(w, 3, 2)), g.constant(new float[] {-10, 0.5f}, 2)));
        g.output("y", y, DType.FLOAT, "batch", 2);
        float[] out = run(g.build(), "x", new float[] {1, 1, 1, 0, 0, 1}, new long[] {2, 3}, "y");
        // row 0: [1+3+5, 2+4+6] + [-10, .5] = [-1, 12.5] -> relu [0, 12.5]; row 1: [5, 6] + b = [-5, 6.5] -> [0, 6.5]
        assertArrayEquals(new float[] {0, 12.5f, 0, 6.5f}, out, 1e-6f);
    }

    @Test
    void poolingConvAndResize() throws Exception {
        GraphBuilder g = new GraphBuilder("pool");
        Value x = g.input("x", DType.FLOAT, 1, 1, 4, 4);
        Value pooled = g.averagePool(x, 2, 2);                       // [1,1,2,2]
        Value doubled = g.conv1x1(pooled, new float[] {2}, new float[] {1}, 1, 1);
        Value up = g.upsampleNearest(doubled, 2);                    // [1,1,4,4]
        g.output("y", g.sigmoid(g.affine(up, 1, -1)), DType.FLOAT, 1, 1, 4, 4);
        float[] in = new float[16];
        for (int i = 0; i < 16; i++) {
            in[i] = i;
        }
        float[] out = run(g.build(), "x", in, new long[] {1, 1, 4, 4}, "y");
        // top-left 2x2 block mean = (0+1+4+5)/4 = 2.5 -> 2*2.5+1 = 6 -> sigmoid(6 - 1)
        assertEquals(1 / (1 + Math.exp(-5)), out[0], 1e-6);
        assertEquals(out[0], out[5], 0);
        // bottom-right block mean = (10+11+14+15)/4 = 12.5 -> 26 -> sigmoid(25)
        assertEquals(1 / (1 + Math.exp(-25)), out[15], 1e-6);
    }

    @Test
    void reductionsAndReshape() throws Exception {
        GraphBuilder g = new GraphBuilder("reduce");
        Value x = g.input("x", DType.FLOAT, 2, 3);
        Value mean = g.reduceMean(x, false, 1);       // [2]
        Value max = g.reduceMax(x, false, 1);         // [2]
        g.output("y", g.reshape(g.concat(0, mean, max), 2, 2), DType.FLOAT, 2, 2);
        float[] out = run(g.build(), "x", new float[] {1, 2, 6, -3, 0, 3}, new long[] {2, 3}, "y");
        assertArrayEquals(new float[] {3, 0, 6, 3}, out, 1e-6f);
    }
}
