package dev.refseg.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.refseg.errors.Errors;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs one loaded graph with named inputs and copies every output out once as a float array. Values are
 * converted at the boundary to the element type the graph declares, so one adapter drives fp32 and fp16
 * exports alike: float data goes in as float or float16 (IEEE half, round to nearest), integer data as
 * int32 or int64; float16 and bfloat16 outputs come back widened to float. Thread-safe (ORT sessions are).
 */
public final class GraphRunner {
    /** One input: its values (float[], int[] or long[]) and shape. */
    public record Input(Object data, long[] shape) {
        public static Input floats(float[] data, long... shape) {
            return new Input(data, shape);
        }

        public static Input ints(int[] data, long... shape) {
            return new Input(data, shape);
        }

        public static Input longs(long[] data, long... shape) {
            return new Input(data, shape);
        }
    }

    private final String key;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final GraphTimer timer;
    private final Map<String, OnnxJavaType> inputTypes = new HashMap<>();

    /**
     * @param key manifest key of the graph, for timings and error messages
     * @throws ModelLoadException when the graph's inputs cannot be read
     */
    public GraphRunner(String key, OrtEnvironment env, OrtSession session, GraphTimer timer) {
        this.key = key;
        this.env = env;
        this.session = session;
        this.timer = timer;
        try {
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo t) {
                    inputTypes.put(e.getKey(), t.type);
                }
            }
        } catch (OrtException e) {
            throw new ModelLoadException("graph " + key + ": cannot read its inputs: " + e.getMessage(), e);
        }
    }

    public String key() {
        return key;
    }

    /**
     * Runs the graph.
     *
     * @return every output as a float array (row-major), by output name
     * @throws io.grpc.StatusRuntimeException INTERNAL naming the graph when ONNX Runtime fails
     */
    public Map<String, float[]> run(Map<String, Input> inputs) {
        long t0 = System.nanoTime();
        Map<String, OnnxTensor> tensors = new HashMap<>();
        try {
            for (Map.Entry<String, Input> e : inputs.entrySet()) {
                tensors.put(e.getKey(), tensor(e.getKey(), e.getValue()));
            }
            try (OrtSession.Result r = session.run(tensors)) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> v : r) {
                    out.put(v.getKey(), floats((OnnxTensor) v.getValue()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw Errors.internal(key + " failed: " + e.getMessage(), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
            timer.record(key, System.nanoTime() - t0);
        }
    }

    private OnnxTensor tensor(String name, Input in) throws OrtException {
        OnnxJavaType want = inputTypes.getOrDefault(name, OnnxJavaType.FLOAT);
        long[] shape = in.shape();
        if (in.data() instanceof float[] f) {
            return switch (want) {
                case FLOAT16 -> OnnxTensor.createTensor(env,
                        Fp16Conversions.convertFloatBufferToFp16Buffer(FloatBuffer.wrap(f)), shape, OnnxJavaType.FLOAT16);
                case DOUBLE -> OnnxTensor.createTensor(env, java.nio.DoubleBuffer.wrap(widen(f)), shape);
                default -> OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
            };
        }
        if (in.data() instanceof int[] i) {
            return want == OnnxJavaType.INT64 ? OnnxTensor.createTensor(env, LongBuffer.wrap(toLongs(i)), shape)
                    : OnnxTensor.createTensor(env, IntBuffer.wrap(i), shape);
        }
        long[] l = (long[]) in.data();
        return want == OnnxJavaType.INT32 ? OnnxTensor.createTensor(env, IntBuffer.wrap(toInts(l)), shape)
                : OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
    }

    /** Output values as floats: float16/bfloat16 widened by ORT, integers converted. */
    static float[] floats(OnnxTensor t) {
        OnnxJavaType type = t.getInfo().type;
        if (type == OnnxJavaType.INT64) {
            LongBuffer b = t.getLongBuffer();
            float[] a = new float[b.remaining()];
            for (int i = 0; i < a.length; i++) {
                a[i] = b.get(i);
            }
            return a;
        }
        if (type == OnnxJavaType.INT32) {
            IntBuffer b = t.getIntBuffer();
            float[] a = new float[b.remaining()];
            for (int i = 0; i < a.length; i++) {
                a[i] = b.get(i);
            }
            return a;
        }
        FloatBuffer b = t.getFloatBuffer();
        if (b == null) {
            throw new IllegalStateException("output of type " + type + " cannot be read as float");
        }
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static long[] toLongs(int[] i) {
        long[] l = new long[i.length];
        for (int k = 0; k < i.length; k++) {
            l[k] = i[k];
        }
        return l;
    }

    private static int[] toInts(long[] l) {
        int[] i = new int[l.length];
        for (int k = 0; k < l.length; k++) {
            i[k] = Math.toIntExact(l[k]);
        }
        return i;
    }
}
