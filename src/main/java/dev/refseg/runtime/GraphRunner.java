package dev.refseg.runtime;

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
import java.util.List;
import java.util.Map;

/**
 * Runs one loaded graph with named inputs. Values are converted at the boundary to the element type the
 * graph declares, so one adapter drives fp32 and half-precision exports alike: float data goes in as
 * float, float16 (IEEE half, round to nearest; magnitudes of 65520 and more become infinity), bfloat16
 * (round to nearest) or double; int data as int32 or int64, long data as int64 or int32; boolean data as
 * bool. Outputs come back as float: float16 and bfloat16 widened exactly, int32/int64 converted (exact up
 * to 2^24), float as is. Shapes are row-major, one entry per dimension, and must hold exactly as many
 * values as the data.
 * <p>
 * No tensor is copied more than it must be: float outputs whose shape is fixed, or whose dynamic
 * dimensions are named like an input's, are written by ONNX Runtime into direct buffers the runner reuses
 * (pinned outputs; up to {@link #MAX_IDLE} sets kept, one per overlapping or lent run); {@link #runHeld}
 * lends them in place, {@link #run} copies each out once. Float inputs given as heap arrays are staged in
 * reused direct buffers; direct buffers (another run's held output) are read in place. Thread-safe (ORT
 * sessions are; each run takes its own staging and output buffer sets from the idle ones, and gives them
 * back when it ends or its {@link Held} outputs are closed, so concurrent runs never share a buffer).
 * <p>
 * A runner from {@link ModelRegistry#runner} runs only while its registry is open: each run is counted in
 * flight, so closing the registry waits for it before the session is freed, and a run after that is
 * refused (UNAVAILABLE "the models are closed"). A runner made here over a session of one's own leaves
 * that to its caller, who closes the session only once its runs have returned.
 */
public final class GraphRunner {
    /**
     * One input: its values and shape.
     *
     * @param data float[], a FloatBuffer (its values from position to limit; a direct one in native order,
     *             such as another run's {@link Held} output, is read by ONNX Runtime in place), int[],
     *             long[] or boolean[]
     * @throws IllegalArgumentException for any other data
     */
    public record Input(Object data, long[] shape) {
        public Input {
            if (!(data instanceof float[] || data instanceof FloatBuffer || data instanceof int[]
                    || data instanceof long[] || data instanceof boolean[])) {
                throw new IllegalArgumentException("input data must be float[], FloatBuffer, int[], long[] or "
                        + "boolean[], not " + (data == null ? "null" : data.getClass().getSimpleName()));
            }
        }

        public static Input floats(float[] data, long... shape) {
            return new Input(data, shape);
        }

        /** Float values in a buffer; a direct buffer in native order is not copied. */
        public static Input floats(FloatBuffer data, long... shape) {
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
    /** The runs in flight on the session, which its owner waits for before freeing it. */
    private final InFlightRuns runs;
    private final Map<String, OnnxJavaType> inputTypes = new HashMap<>();
    /**
     * Float outputs ONNX Runtime writes into reused direct buffers, by declared shape (-1 for a named
     * dynamic dimension, resolved per run from an input dimension of the same name).
     */
    private final Map<String, long[]> pinnedShapes = new LinkedHashMap<>();
    private final Map<String, String[]> outputDimNames = new HashMap<>();
    private final Map<String, String[]> inputDimNames = new HashMap<>();
    /** Declared shapes of the tensor inputs (-1 for a dynamic dimension), in the graph's order. */
    private final Map<String, long[]> inputShapes = new LinkedHashMap<>();
    /** Outputs whose dynamic shape the input names did not predict (ONNX Runtime refused the buffer). */
    private final java.util.Set<String> unpinnable = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Idle sets of those buffers, one taken per run (runs of one graph may overlap across calls). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Pinned> idle = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Sets kept between runs; more overlapping runs allocate and then drop their own. */
    static final int MAX_IDLE = 2;

    /**
     * A runner over a session the caller owns and closes only after the runs have returned.
     *
     * @param key     manifest key of the graph, for timings and error messages
     * @param env     the environment the input and output tensors are made in
     * @param session the loaded graph
     * @param timer   receives each run's ONNX Runtime time and copy steps
     * @throws ModelLoadException when the graph's inputs cannot be read
     */
    public GraphRunner(String key, OrtEnvironment env, OrtSession session, GraphTimer timer) {
        this(key, env, session, timer, new InFlightRuns(null));
    }

    /**
     * A runner whose runs enter {@code runs}, which the session's owner closes before freeing the session.
     * The caller has entered {@code runs} (the session's interface is read here).
     *
     * @throws ModelLoadException when the graph's inputs cannot be read
     */
    GraphRunner(String key, OrtEnvironment env, OrtSession session, GraphTimer timer, InFlightRuns runs) {
        this.key = key;
        this.env = env;
        this.session = session;
        this.timer = timer;
        this.runs = runs;
        try {
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo t) {
                    inputTypes.put(e.getKey(), t.type);
                    inputDimNames.put(e.getKey(), t.getDimensionNames());
                    inputShapes.put(e.getKey(), t.getShape());
                }
            }
            for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT) {
                    long[] shape = t.getShape();
                    String[] names = t.getDimensionNames();
                    boolean resolvable = true;
                    for (int i = 0; i < shape.length; i++) {
                        resolvable &= shape[i] > 0 || (names != null && i < names.length && !names[i].isEmpty());
                    }
                    if (resolvable) {
                        pinnedShapes.put(e.getKey(), shape);
                        outputDimNames.put(e.getKey(), names);
                    }
                }
            }
        } catch (OrtException e) {
            throw new ModelLoadException("graph " + key + ": cannot read its inputs: " + e.getMessage(), e);
        }
    }

    /**
     * Direct buffers float inputs are staged in (grown when an input gets bigger), by input name: ONNX
     * Runtime reads them in place. Only needed during a run, so they go back as soon as it ends, while the
     * outputs of the run may stay lent.
     */
    private static final class Staging {
        final Map<String, FloatBuffer> inputs = new HashMap<>();

        /** The input's values in a direct buffer ONNX Runtime reads in place (no copy of its own). */
        FloatBuffer stage(String name, float[] values) {
            FloatBuffer b = staging(name, values.length);
            b.put(values);
            b.flip();
            return b;
        }

        FloatBuffer stage(String name, FloatBuffer values) {
            FloatBuffer b = staging(name, values.remaining());
            b.put(values.duplicate());
            b.flip();
            return b;
        }

        private FloatBuffer staging(String name, int length) {
            FloatBuffer b = inputs.get(name);
            if (b == null || b.capacity() < length) {
                b = BufferPool.direct(length);
                inputs.put(name, b);
            }
            b.clear();
            return b;
        }
    }

    /**
     * One set of output tensors over our own direct buffers: ONNX Runtime writes into them, so an output
     * is read in place instead of from a fresh native buffer copied twice. An output's buffer is made again
     * when its (dynamic) shape changes.
     */
    private final class Pinned implements AutoCloseable {
        final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        final Map<String, FloatBuffer> buffers = new LinkedHashMap<>();
        final Map<String, long[]> shapes = new HashMap<>();

        /** The output tensors for this run's shapes, (re)made where a shape changed. */
        Map<String, OnnxTensor> outputs(Map<String, long[]> wanted) throws OrtException {
            Map<String, OnnxTensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : wanted.entrySet()) {
                String name = e.getKey();
                if (!java.util.Arrays.equals(shapes.get(name), e.getValue())) {
                    OnnxTensor old = tensors.remove(name);
                    if (old != null) {
                        old.close();
                    }
                    buffers.remove(name);
                    shapes.remove(name);
                    long n = java.util.Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
                    FloatBuffer b = BufferPool.direct(n);
                    tensors.put(name, OnnxTensor.createTensor(env, b, e.getValue()));
                    buffers.put(name, b);
                    shapes.put(name, e.getValue());
                }
                out.put(name, tensors.get(name));
            }
            return out;
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * The shapes of this run's pinned outputs: fixed ones as declared, dynamic dimensions from the input
     * dimension of the same name; an output whose dimension no input names is left to ONNX Runtime.
     */
    private Map<String, long[]> pinnedShapes(Map<String, Input> inputs) {
        Map<String, Long> dims = new HashMap<>();
        for (Map.Entry<String, Input> e : inputs.entrySet()) {
            String[] names = inputDimNames.get(e.getKey());
            long[] shape = e.getValue().shape();
            for (int i = 0; names != null && i < names.length && i < shape.length; i++) {
                if (!names[i].isEmpty()) {
                    // A name given different sizes by different inputs predicts nothing.
                    dims.merge(names[i], shape[i], (a, b) -> a.equals(b) ? a : -1L);
                }
            }
        }
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : pinnedShapes.entrySet()) {
            if (unpinnable.contains(e.getKey())) {
                continue;
            }
            long[] shape = e.getValue().clone();
            String[] names = outputDimNames.get(e.getKey());
            boolean known = true;
            for (int i = 0; i < shape.length && known; i++) {
                if (shape[i] <= 0) {
                    Long d = dims.get(names[i]);
                    known = d != null && d > 0;
                    shape[i] = known ? d : -1;
                }
            }
            if (known) {
                out.put(e.getKey(), shape);
            }
        }
        return out;
    }

    private final java.util.concurrent.ConcurrentLinkedQueue<Staging> idleStaging =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private Staging takeStaging() {
        Staging st = idleStaging.poll();
        return st != null ? st : new Staging();
    }

    private void giveStaging(Staging st) {
        if (st != null && idleStaging.size() < MAX_IDLE) {
            idleStaging.offer(st);
        }
    }

    private Pinned takePinned() throws OrtException {
        Pinned p = idle.poll();
        return p != null ? p : new Pinned();
    }

    /** Keeps a set for the next run, or frees it when enough are kept or the models are closed. */
    private void givePinned(Pinned p) {
        if (p == null) {
            return;
        }
        if (idle.size() < MAX_IDLE && !runs.isClosed()) {
            idle.offer(p);
            if (runs.isClosed()) {
                // The registry closed meanwhile and may have released the idle sets before this one came.
                releaseBuffers();
            }
        } else {
            p.close();
        }
    }

    /**
     * Frees the idle output buffers (no run is using them); the runner stays usable (it allocates again
     * when run), and sets lent to {@link Held} outputs are freed when those are closed after the registry.
     */
    void releaseBuffers() {
        idleStaging.clear();
        for (Pinned p; (p = idle.poll()) != null;) {
            p.close();
        }
    }

    public String key() {
        return key;
    }

    /** The graph's tensor inputs with their declared shapes (-1 for a dynamic dimension), in graph order. */
    public Map<String, long[]> inputShapes() {
        return java.util.Collections.unmodifiableMap(inputShapes);
    }

    /**
     * Runs the graph.
     *
     * @param inputs by input name; a name the graph does not declare goes in as its data's own type
     * @return every output as a float array (row-major), by output name, in the graph's output order
     * @throws io.grpc.StatusRuntimeException INTERNAL naming the graph when ONNX Runtime fails, and naming
     *         the input too when its data cannot become the declared type (float data for an int64 input, a
     *         long beyond int32 for an int32 input, a shape that does not hold the data), or the output when
     *         it is of another type than float, float16, bfloat16, int32 or int64; UNAVAILABLE "the models
     *         are closed" when the runner's registry closed before or during the run
     */
    public Map<String, float[]> run(Map<String, Input> inputs) {
        try (Held held = runHeld(inputs)) {
            long t0 = System.nanoTime();
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : held.values.keySet()) {
                out.put(name, held.floats(name));
            }
            timer.step(GraphTimer.COPY_OUT, System.nanoTime() - t0);
            return out;
        }
    }

    /**
     * The outputs of one run, left where ONNX Runtime wrote them: fixed-shape float outputs stay in the
     * runner's pinned direct buffers, lent to the caller until {@link #close()}, so they can be read in
     * place or fed to the next graph without a copy ({@link Input#floats(FloatBuffer, long...)}). Other
     * outputs were converted to float once. Views taken with {@link #get} must not be used after close:
     * the buffers then serve later runs.
     */
    public final class Held implements AutoCloseable {
        private final Map<String, FloatBuffer> values;
        private Pinned pinned;

        private Held(Map<String, FloatBuffer> values, Pinned pinned) {
            this.values = values;
            this.pinned = pinned;
        }

        /**
         * A read-only view of an output (position 0, all its values, row-major).
         *
         * @throws IllegalArgumentException when the graph has no such output
         * @throws IllegalStateException after {@link #close()}
         */
        public synchronized FloatBuffer get(String name) {
            if (pinned == null && values.get(name) != null && values.get(name).isDirect()) {
                throw new IllegalStateException(key + " output '" + name + "' read after its buffers were returned");
            }
            FloatBuffer b = values.get(name);
            if (b == null) {
                throw new IllegalArgumentException(key + " has no output '" + name + "'");
            }
            return b.asReadOnlyBuffer();
        }

        /** An output copied into a new array. */
        public float[] floats(String name) {
            FloatBuffer b = get(name);
            float[] a = new float[b.remaining()];
            b.get(a);
            return a;
        }

        /** An output's first value (scores, logits of shape [1] or [1,1]). */
        public float first(String name) {
            return get(name).get(0);
        }

        /** What gives back several runs' outputs at once (null entries are skipped), e.g. when a frame is done. */
        public static Runnable closing(Held... outputs) {
            return () -> {
                for (Held h : outputs) {
                    if (h != null) {
                        h.close();
                    }
                }
            };
        }

        /** Gives the buffers back to the runner. Idempotent. */
        @Override
        public synchronized void close() {
            givePinned(pinned);
            pinned = null;
        }
    }

    /**
     * Runs the graph and lends its outputs in place (see {@link Held}); the caller closes the result.
     *
     * @param inputs as {@link #run}
     * @return the outputs, by output name in the graph's order
     * @throws io.grpc.StatusRuntimeException as {@link #run}
     */
    public Held runHeld(Map<String, Input> inputs) {
        runs.enter(key);
        try {
            return runHeldEntered(inputs);
        } finally {
            runs.leave();
        }
    }

    /** {@link #runHeld} once the run is counted in flight: every native call on the session is in here. */
    private Held runHeldEntered(Map<String, Input> inputs) {
        long t0 = System.nanoTime();
        Map<String, OnnxTensor> tensors = new HashMap<>();
        Pinned pinned = null;
        Staging staging = takeStaging();
        boolean lent = false;
        try {
            pinned = takePinned();
            for (Map.Entry<String, Input> e : inputs.entrySet()) {
                tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), staging));
            }
            long t1 = System.nanoTime();
            timer.step(GraphTimer.COPY_IN, t1 - t0);
            Map<String, long[]> shapes = pinnedShapes(inputs);
            Map<String, OnnxTensor> outputs = pinned.outputs(shapes);
            try (OrtSession.Result r = run(tensors, outputs, shapes)) {
                long t2 = System.nanoTime();
                // ONNX Runtime's own time, without the copies on either side.
                timer.record(key, t2 - t1);
                Map<String, FloatBuffer> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> v : r) {
                    boolean mine = outputs.containsKey(v.getKey()) && !unpinnable.contains(v.getKey());
                    out.put(v.getKey(), mine ? pinned.buffers.get(v.getKey())
                            : FloatBuffer.wrap(floats(v.getKey(), (OnnxTensor) v.getValue())));
                }
                for (String name : outputs.keySet()) {
                    if (!unpinnable.contains(name)) {
                        out.putIfAbsent(name, pinned.buffers.get(name));
                    }
                }
                timer.step(GraphTimer.COPY_OUT, System.nanoTime() - t2);
                lent = true;
                return new Held(out, pinned);
            }
        } catch (OrtException e) {
            if (runs.isClosed()) {
                // Stopped by the terminate flag when the models closed, not a fault of the graph.
                throw InFlightRuns.closedError(key);
            }
            throw Errors.internal(key + " failed: " + e.getMessage(), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
            giveStaging(staging);
            if (!lent) {
                givePinned(pinned);
            }
        }
    }

    /**
     * Runs with the pinned outputs; when a dynamic output's shape was predicted wrong (ONNX Runtime refuses
     * the buffer), those outputs are never pinned again and the run is repeated without them.
     */
    private OrtSession.Result run(Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs,
            Map<String, long[]> shapes) throws OrtException {
        OrtSession.RunOptions options = runs.options();
        if (outputs.isEmpty()) {
            return session.run(inputs, options);
        }
        try {
            return session.run(inputs, others(outputs), outputs, options);
        } catch (OrtException e) {
            if (runs.isClosed()) {
                throw e;
            }
            List<String> guessed = shapes.keySet().stream().filter(n -> java.util.Arrays.stream(pinnedShapes.get(n))
                    .anyMatch(d -> d <= 0)).toList();
            if (guessed.isEmpty()) {
                throw e;
            }
            // ONNX Runtime names the output whose buffer had the wrong shape; if it does not, none is trusted.
            List<String> named = guessed.stream().filter(n -> String.valueOf(e.getMessage())
                    .contains("output '" + n + "'")).toList();
            if (!named.isEmpty()) {
                guessed = named;
            }
            unpinnable.addAll(guessed);
            org.jboss.logging.Logger.getLogger(GraphRunner.class).infof("%s: output(s) %s are not the size their "
                    + "dimension names suggest; ONNX Runtime allocates them from now on (the error above is expected)",
                    key, guessed);
            Map<String, OnnxTensor> fixed = new LinkedHashMap<>(outputs);
            fixed.keySet().removeAll(guessed);
            return fixed.isEmpty() ? session.run(inputs, options) : session.run(inputs, others(fixed), fixed, options);
        }
    }

    /** The graph's outputs ONNX Runtime allocates itself in a run with these pinned ones. */
    private java.util.Set<String> others(Map<String, OnnxTensor> pinned) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(session.getOutputNames());
        names.removeAll(pinned.keySet());
        return names;
    }

    /** Reports a host-side step of this graph's caller (e.g. preprocessing) to the same timer. */
    public void step(String step, long nanos) {
        timer.step(step, nanos);
    }

    private OnnxTensor tensor(String name, Input in, Staging buffers) {
        OnnxJavaType declared = inputTypes.get(name);
        try {
            boolean asFloat = declared == null || declared == OnnxJavaType.FLOAT;
            if (in.data() instanceof float[] f && asFloat) {
                // Staged in this run's reused direct buffer, which ONNX Runtime reads in place.
                return OnnxTensor.createTensor(env, buffers.stage(name, f), in.shape());
            }
            if (in.data() instanceof FloatBuffer b) {
                if (asFloat) {
                    boolean inPlace = b.isDirect() && b.order() == java.nio.ByteOrder.nativeOrder();
                    return OnnxTensor.createTensor(env, inPlace ? b : buffers.stage(name, b), in.shape());
                }
                float[] f = new float[b.remaining()];
                b.duplicate().get(f);
                return tensor(f, in.shape(), declared);
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
