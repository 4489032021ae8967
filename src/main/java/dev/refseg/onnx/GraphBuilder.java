package dev.refseg.onnx;

import com.google.protobuf.ByteString;
import dev.refseg.onnx.proto.GraphProto;
import dev.refseg.onnx.proto.ModelProto;
import dev.refseg.onnx.proto.NodeProto;
import dev.refseg.onnx.proto.OperatorSetIdProto;
import dev.refseg.onnx.proto.TensorProto;
import dev.refseg.onnx.proto.TensorShapeProto;
import dev.refseg.onnx.proto.TypeProto;
import dev.refseg.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds small ONNX graphs in Java, for the fixture models: inputs and outputs with exact names, types
 * and shapes, constants, and standard operators (opset 17, IR version 8), serialised through the
 * protobuf classes of the ONNX schema. Values are referred to by {@link Value} handles; every node gets
 * a fresh output name, and {@link #output} binds a value to a public output name.
 */
public final class GraphBuilder {
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;

    /** A tensor in the graph under construction. */
    public record Value(String name) {
    }

    /** The empty name ONNX uses for an omitted optional input. */
    public static final Value OMITTED = new Value("");

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private int counter;

    public GraphBuilder(String name) {
        graph.setName(name);
    }

    /**
     * Declares a graph input. Each dim is a Long/Integer (fixed size; -1 = anonymous dynamic) or a
     * String (a named dynamic dimension).
     */
    public Value input(String name, DType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
        return new Value(name);
    }

    /** Publishes {@code v} as graph output {@code name} with the declared type and shape. */
    public void output(String name, Value v, DType type, Object... dims) {
        graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName("out_" + name)
                .addInput(v.name()).addOutput(name));
        graph.addOutput(valueInfo(name, type, dims));
    }

    public Value constant(float[] values, long... dims) {
        String name = fresh("const");
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        graph.addInitializer(tensor(name, DType.FLOAT, dims, b.array()));
        return new Value(name);
    }

    public Value constantLong(long[] values, long... dims) {
        String name = fresh("const");
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        graph.addInitializer(tensor(name, DType.INT64, dims, b.array()));
        return new Value(name);
    }

    /** A rank-0 float constant. */
    public Value scalar(float v) {
        return constant(new float[] {v});
    }

    public Value longs(long... v) {
        return constantLong(v, v.length);
    }

    /** A node with one output. */
    public Value op(String opType, Attrs attrs, Value... inputs) {
        return opN(opType, 1, attrs, inputs)[0];
    }

    public Value op(String opType, Value... inputs) {
        return op(opType, Attrs.none(), inputs);
    }

    /** A node with {@code outputs} outputs. */
    public Value[] opN(String opType, int outputs, Attrs attrs, Value... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(fresh(opType));
        for (Value v : inputs) {
            n.addInput(v.name());
        }
        Value[] out = new Value[outputs];
        for (int i = 0; i < outputs; i++) {
            out[i] = new Value(fresh(opType.toLowerCase()));
            n.addOutput(out[i].name());
        }
        n.addAllAttribute(attrs.list());
        graph.addNode(n);
        return out;
    }

    // ---- small computations, named after the ONNX operators they emit ----

    public Value add(Value a, Value b) {
        return op("Add", a, b);
    }

    public Value sub(Value a, Value b) {
        return op("Sub", a, b);
    }

    public Value mul(Value a, Value b) {
        return op("Mul", a, b);
    }

    public Value div(Value a, Value b) {
        return op("Div", a, b);
    }

    public Value matMul(Value a, Value b) {
        return op("MatMul", a, b);
    }

    public Value relu(Value x) {
        return op("Relu", x);
    }

    public Value sigmoid(Value x) {
        return op("Sigmoid", x);
    }

    /** y = x * scale + bias, with scalar constants. */
    public Value affine(Value x, float scale, float bias) {
        return add(mul(x, scalar(scale)), scalar(bias));
    }

    public Value reshape(Value x, long... shape) {
        return op("Reshape", x, longs(shape));
    }

    public Value transpose(Value x, long... perm) {
        return op("Transpose", Attrs.of().ints("perm", perm), x);
    }

    public Value concat(long axis, Value... parts) {
        return op("Concat", Attrs.of().i("axis", axis), parts);
    }

    public Value reduceMean(Value x, boolean keepDims, long... axes) {
        return op("ReduceMean", Attrs.of().ints("axes", axes).i("keepdims", keepDims ? 1 : 0), x);
    }

    public Value reduceMax(Value x, boolean keepDims, long... axes) {
        return op("ReduceMax", Attrs.of().ints("axes", axes).i("keepdims", keepDims ? 1 : 0), x);
    }

    public Value reduceSum(Value x, boolean keepDims, long... axes) {
        return op("ReduceSum", Attrs.of().i("keepdims", keepDims ? 1 : 0), x, longs(axes));
    }

    /** 2-D convolution of NCHW input with weights [out, in, kh, kw] and optional bias [out]. */
    public Value conv(Value x, Value weights, Value bias, long strides, long pads) {
        Attrs a = Attrs.of().ints("strides", strides, strides).ints("pads", pads, pads, pads, pads);
        return bias == null ? op("Conv", a, x, weights) : op("Conv", a, x, weights, bias);
    }

    /** 1x1 convolution from constant weights (row-major [out][in]) and bias. */
    public Value conv1x1(Value x, float[] weights, float[] bias, int in, int out) {
        return conv(x, constant(weights, out, in, 1, 1), constant(bias, out), 1, 0);
    }

    public Value averagePool(Value x, long kernel, long stride) {
        return op("AveragePool", Attrs.of().ints("kernel_shape", kernel, kernel).ints("strides", stride, stride), x);
    }

    /** Bilinear resize of an NCHW tensor to an exact size, half-pixel centres (align_corners = false). */
    public Value resizeBilinear(Value x, Value sizesNchw) {
        return op("Resize", Attrs.of().s("mode", "linear").s("coordinate_transformation_mode", "half_pixel"),
                x, OMITTED, OMITTED, sizesNchw);
    }

    /** Nearest-neighbour upsampling of an NCHW tensor by integer factors. */
    public Value upsampleNearest(Value x, float factor) {
        return op("Resize", Attrs.of().s("mode", "nearest"), x, OMITTED,
                constant(new float[] {1, 1, factor, factor}, 4));
    }

    public Value abs(Value x) {
        return op("Abs", x);
    }

    /** 1.0 where a > b, else 0.0 (float). */
    public Value greaterF(Value a, Value b) {
        return cast(op("Greater", a, b), DType.FLOAT);
    }

    /** 1.0 where a < b, else 0.0 (float). */
    public Value lessF(Value a, Value b) {
        return cast(op("Less", a, b), DType.FLOAT);
    }

    /** 1.0 where a == b, else 0.0 (float); for integer or exactly representable values. */
    public Value equalF(Value a, Value b) {
        return cast(op("Equal", a, b), DType.FLOAT);
    }

    public Value clip(Value x, float lo, float hi) {
        return op("Clip", x, scalar(lo), scalar(hi));
    }

    public Value reduceMin(Value x, boolean keepDims, long... axes) {
        return op("ReduceMin", Attrs.of().ints("axes", axes).i("keepdims", keepDims ? 1 : 0), x);
    }

    public Value argMax(Value x, long axis, boolean keepDims) {
        return op("ArgMax", Attrs.of().i("axis", axis).i("keepdims", keepDims ? 1 : 0), x);
    }

    /** Square max pooling with stride 1 and symmetric padding (a binary dilation on 0/1 maps). */
    public Value maxPool(Value x, long kernel, long pad) {
        return op("MaxPool", Attrs.of().ints("kernel_shape", kernel, kernel).ints("strides", 1, 1)
                .ints("pads", pad, pad, pad, pad), x);
    }

    /** Constant zero padding; {@code pads} = begins of every axis, then ends. */
    public Value pad(Value x, long... pads) {
        return op("Pad", x, longs(pads));
    }

    /** Slice with start/end given as tensors (1-D int64), for sizes only known at run time. */
    public Value sliceDynamic(Value x, Value starts, Value ends, long... axes) {
        return op("Slice", x, starts, ends, longs(axes));
    }

    public Value shape(Value x) {
        return op("Shape", x);
    }

    public Value expand(Value x, Value shape) {
        return op("Expand", x, shape);
    }

    public Value gather(Value x, Value indices, long axis) {
        return op("Gather", Attrs.of().i("axis", axis), x, indices);
    }

    public Value slice(Value x, long[] starts, long[] ends, long[] axes) {
        return op("Slice", x, longs(starts), longs(ends), longs(axes));
    }

    public Value cast(Value x, DType to) {
        return op("Cast", Attrs.of().i("to", to.onnxCode()), x);
    }

    public Value unsqueeze(Value x, long... axes) {
        return op("Unsqueeze", x, longs(axes));
    }

    public Value squeeze(Value x, long... axes) {
        return op("Squeeze", x, longs(axes));
    }

    /** Serialised model bytes, loadable by ONNX Runtime. */
    public byte[] build() {
        return model().toByteArray();
    }

    public ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("refseg-fixtures")
                .setProducerVersion("1").addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph.build()).build();
    }

    private String fresh(String prefix) {
        return prefix + "_" + (counter++);
    }

    private static TensorProto tensor(String name, DType type, long[] dims, byte[] raw) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.onnxCode())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static ValueInfoProto valueInfo(String name, DType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                long v = ((Number) d).longValue();
                if (v >= 0) {
                    dim.setDimValue(v);
                }
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(type.onnxCode()).setShape(shape)))
                .build();
    }
}
