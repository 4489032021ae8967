package dev.refseg.onnx;

import ai.onnxruntime.OnnxJavaType;

/**
 * Tensor element types refseg's graphs use, with their ONNX codes (TensorProto.DataType). FLOAT16 and
 * BFLOAT16 appear in half-precision exports; the adapters still work in float, converted at the boundary.
 */
public enum DType {
    FLOAT(1, OnnxJavaType.FLOAT),
    UINT8(2, OnnxJavaType.UINT8),
    INT8(3, OnnxJavaType.INT8),
    INT32(6, OnnxJavaType.INT32),
    INT64(7, OnnxJavaType.INT64),
    BOOL(9, OnnxJavaType.BOOL),
    FLOAT16(10, OnnxJavaType.FLOAT16),
    DOUBLE(11, OnnxJavaType.DOUBLE),
    BFLOAT16(16, OnnxJavaType.BFLOAT16);

    private final int onnxCode;
    private final OnnxJavaType javaType;

    DType(int onnxCode, OnnxJavaType javaType) {
        this.onnxCode = onnxCode;
        this.javaType = javaType;
    }

    public int onnxCode() {
        return onnxCode;
    }

    public OnnxJavaType javaType() {
        return javaType;
    }

    /** Whether values of this type are converted to and from float by {@code GraphRunner} (fp16, bf16). */
    public boolean isHalfFloat() {
        return this == FLOAT16 || this == BFLOAT16;
    }

    /** @throws IllegalArgumentException for a type refseg does not use (e.g. string, uint16) */
    public static DType of(OnnxJavaType t) {
        for (DType d : values()) {
            if (d.javaType == t) {
                return d;
            }
        }
        throw new IllegalArgumentException("unsupported tensor type " + t);
    }
}
