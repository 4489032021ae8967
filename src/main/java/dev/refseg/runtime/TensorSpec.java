package dev.refseg.runtime;

import dev.refseg.onnx.DType;
import java.util.Arrays;

/**
 * What a graph input or output must look like: name, element type, and shape, where -1 marks a dimension
 * that may be anything (batch, sequence length).
 *
 * @param optional an input the adapter can do without (e.g. pixel_mask of some detector exports)
 */
public record TensorSpec(String name, DType type, long[] shape, boolean optional) {

    public static TensorSpec of(String name, DType type, long... shape) {
        return new TensorSpec(name, type, shape, false);
    }

    public static TensorSpec optional(String name, DType type, long... shape) {
        return new TensorSpec(name, type, shape, true);
    }

    public String describe() {
        return name + " " + type.name().toLowerCase() + Arrays.toString(shape).replace("-1", "?");
    }
}
