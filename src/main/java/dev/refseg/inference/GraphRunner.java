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
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs one loaded graph with named inputs and copies every output out once as a float array. Values are
 * converted at the boundary to the element type the graph declares, so one adapter drives fp32 and
 * half-precision exports alike: float data goes in as float, float16 (IEEE half, round to nearest;
 * magnitudes of 65520 and more become infinity), bfloat16 (round to nearest) or double; int data as int32 or
 * int64, long data as int64 or int32; boolean data as bool. Every output comes back as float: float16
 * and bfloat16 widened exactly, int32/int64 converted (exact up to 2^24), float as is. Shapes are
 * row-major, one entry per dimension, and must hold exactly as many values as the data. Float outputs
 * whose shape the graph fixes are written by ONNX Runtime straight into direct buffers the runner reuses
 * (pinned outputs; up to {@link #MAX_IDLE} sets kept, one per overlapping run), so each such output costs
 * one copy into its returned array; float inputs are staged in the same set's direct buffers, which ONNX
 * Runtime reads in place (one copy in, no allocation). Thread-safe (ORT sessions are; each run takes its own buffer set).
 */
public final class GraphRunner {
    /**
     * One input: its values and shape.
     *
     * @param data float[], int[], long[] or boolean[]
     * @throws IllegalArgumentException for any other data
     */
    public record Input(Object data, long[] shape) {
        public Input {
            if (!(data instanceof float[] || data instanceof int[] || data instanceof long[]
                    || data instanceof boolean[])) {
                throw new IllegalArgumentException("input data must be float[], int[], long[] or boolean[], not "
                        + (data == null ? "null" : data.getClass().getSimpleName()));
            }
        }

        public static Input floats(float[] data, long... shape) {
            return new Input(data, shape);
        }

        public static Input ints(int[] data, long... shape) {
            return new Input(data, shape);
        }

        public static Input longs(long[] data, long... shape) {
            return new Input(data, shape);
        }

        public static Input bools(boolean[] data, long... shape) {
            return new Input(data, shape);
        }
    }

    private final String key;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final GraphTimer timer;
    private final Map<String, OnnxJavaType> inputTypes = new HashMap<>();
    /** Float outputs whose shape the graph fixes: ONNX Runtime writes them into reused direct buffers. */
    private final Map<String, long[]> pinnedShapes = new LinkedHashMap<>();
    /** Idle sets of those buffers, one taken per run (runs of one graph may overlap across calls). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Pinned> idle = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Sets kept between runs; more overlapping runs allocate and then drop their own. */
    static final int MAX_IDLE = 2;

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
            for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT
                        && java.util.Arrays.stream(t.getShape()).allMatch(d -> d > 0)) {
                    pinnedShapes.put(e.getKey(), t.getShape());
                }
            }
        } catch (OrtException e) {
            throw new ModelLoadException("graph " + key + ": cannot read its inputs: " + e.getMessage(), e);
        }
    }

    /**
     * One set of output tensors over our own direct buffers: ONNX Runtime writes into them, so an output
     * costs one copy into the returned array instead of a fresh native buffer, a copy into it and another
     * copy out.
     */
    private final class Pinned implements AutoCloseable {
        final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        final Map<String, FloatBuffer> buffers = new LinkedHashMap<>();
        /** Direct buffers float inputs are staged in (grown when an input gets bigger), by input name. */
        final Map<String, FloatBuffer> inputs = new HashMap<>();

        /** The input's values in a direct buffer ONNX Runtime reads in place (no copy of its own). */
        FloatBuffer stage(String name, float[] values) {
            FloatBuffer b = inputs.get(name);
            if (b == null || b.capacity() < values.length) {
                b = java.nio.ByteBuffer.allocateDirect(Math.multiplyExact(values.length, 4))
                        .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
                inputs.put(name, b);
            }
            b.clear();
            b.put(values);
            b.flip();
            return b;
        }

        Pinned() throws OrtException {
            try {
                for (Map.Entry<String, long[]> e : pinnedShapes.entrySet()) {
                    long n = java.util.Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
                    FloatBuffer b = java.nio.ByteBuffer.allocateDirect(Math.toIntExact(n * 4))
                            .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
                    buffers.put(e.getKey(), b);
                    tensors.put(e.getKey(), OnnxTensor.createTensor(env, b, e.getValue()));
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        float[] read(String name) {
            FloatBuffer b = buffers.get(name);
            float[] a = new float[b.capacity()];
            b.get(0, a);
            return a;
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    private Pinned takePinned() throws OrtException {
        Pinned p = idle.poll();
        return p != null ? p : new Pinned();
    }

    private void givePinned(Pinned p) {
        if (p == null) {
            return;
        }
        if (idle.size() < MAX_IDLE) {
            idle.offer(p);
        } else {
            p.close();
        }
    }

    /** Frees the idle output buffers; the runner stays usable (it allocates again when run). */
    public void releaseBuffers() {
        for (Pinned p; (p = idle.poll()) != null;) {
            p.close();
        }
    }

    public String key() {
        return key;
    }

    /**
     * Runs the graph.
     *
     * @param inputs by input name; a name the graph does not declare goes in as its data's own type
     * @return every output as a float array (row-major), by output name, in the graph's output order
     * @throws io.grpc.StatusRuntimeException INTERNAL naming the graph when ONNX Runtime fails, and naming
     *         the input too when its data cannot become the declared type (float data for an int64 input, a
     *         long beyond int32 for an int32 input, a shape that does not hold the data), or the output when
     *         it is of another type than float, float16, bfloat16, int32 or int64
     */
    public Map<String, float[]> run(Map<String, Input> inputs) {
        long t0 = System.nanoTime();
        Map<String, OnnxTensor> tensors = new HashMap<>();
        Pinned pinned = null;
        try {
            pinned = takePinned();
            for (Map.Entry<String, Input> e : inputs.entrySet()) {
                tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), pinned));
            }
            long t1 = System.nanoTime();
            timer.step(GraphTimer.COPY_IN, t1 - t0);
            try (OrtSession.Result r = pinned.tensors.isEmpty() ? session.run(tensors)
                    : session.run(tensors, pinned.tensors)) {
                long t2 = System.nanoTime();
                // ONNX Runtime's own time, without the copies on either side.
                timer.record(key, t2 - t1);
                Map<String, float[]> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> v : r) {
                    boolean ours = pinned.tensors.containsKey(v.getKey());
                    out.put(v.getKey(), ours ? pinned.read(v.getKey()) : floats(v.getKey(), (OnnxTensor) v.getValue()));
                }
                for (String name : pinned.tensors.keySet()) {
                    out.computeIfAbsent(name, pinned::read);
                }
                timer.step(GraphTimer.COPY_OUT, System.nanoTime() - t2);
                return out;
            }
        } catch (OrtException e) {
            throw Errors.internal(key + " failed: " + e.getMessage(), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
            givePinned(pinned);
        }
    }

    /** Reports a host-side step of this graph's caller (e.g. preprocessing) to the same timer. */
    public void step(String step, long nanos) {
        timer.step(step, nanos);
    }

    private OnnxTensor tensor(String name, Input in, Pinned buffers) {
        OnnxJavaType declared = inputTypes.get(name);
        try {
            if (in.data() instanceof float[] f && (declared == null || declared == OnnxJavaType.FLOAT)) {
                // Staged in this run's reused direct buffer, which ONNX Runtime reads in place.
                return OnnxTensor.createTensor(env, buffers.stage(name, f), in.shape());
            }
            return tensor(in.data(), in.shape(), declared);
        } catch (OrtException | IllegalArgumentException | ArithmeticException e) {
            throw Errors.internal(key + " input '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The data as a tensor of the declared type (null: the data's own type). */
    private OnnxTensor tensor(Object data, long[] shape, OnnxJavaType declared) throws OrtException {
        if (data instanceof float[] f) {
            return floatTensor(f, shape, declared == null ? OnnxJavaType.FLOAT : declared);
        }
        if (data instanceof int[] i && (declared == null || declared == OnnxJavaType.INT32)) {
            return OnnxTensor.createTensor(env, IntBuffer.wrap(i), shape);
        }
        if (data instanceof int[] i && declared == OnnxJavaType.INT64) {
            return OnnxTensor.createTensor(env, LongBuffer.wrap(toLongs(i)), shape);
        }
        if (data instanceof long[] l && (declared == null || declared == OnnxJavaType.INT64)) {
            return OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
        }
        if (data instanceof long[] l && declared == OnnxJavaType.INT32) {
            return OnnxTensor.createTensor(env, IntBuffer.wrap(toInts(l)), shape);
        }
        if (data instanceof boolean[] b && (declared == null || declared == OnnxJavaType.BOOL)) {
            return boolTensor(b, shape);
        }
        throw cannotBecome(data, declared);
    }

    private OnnxTensor floatTensor(float[] f, long[] shape, OnnxJavaType declared) throws OrtException {
        return switch (declared) {
            case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
            case FLOAT16 -> OnnxTensor.createTensor(env,
                    Fp16Conversions.convertFloatBufferToFp16Buffer(FloatBuffer.wrap(f)), shape, OnnxJavaType.FLOAT16);
            case BFLOAT16 -> OnnxTensor.createTensor(env,
                    Fp16Conversions.convertFloatBufferToBf16Buffer(FloatBuffer.wrap(f)), shape, OnnxJavaType.BFLOAT16);
            case DOUBLE -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(widen(f)), shape);
            default -> throw cannotBecome(f, declared);
        };
    }

    private OnnxTensor boolTensor(boolean[] b, long[] shape) throws OrtException {
        ByteBuffer bytes = ByteBuffer.allocate(b.length);
        for (boolean v : b) {
            bytes.put((byte) (v ? 1 : 0));
        }
        return OnnxTensor.createTensor(env, bytes.flip(), shape, OnnxJavaType.BOOL);
    }

    /** Output values as floats: float16/bfloat16 widened by ORT, integers converted. */
    private float[] floats(String name, OnnxTensor t) {
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
            throw Errors.internal(key + " output '" + name + "' is " + type + ", which is not read as float", null);
        }
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    private static IllegalArgumentException cannotBecome(Object data, OnnxJavaType declared) {
        return new IllegalArgumentException("the graph declares it " + declared + ", which "
                + data.getClass().getSimpleName() + " data cannot become");
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
