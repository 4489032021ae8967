package dev.refseg.onnx;

import ai.onnxruntime.OnnxJavaType;

/** Tensor element types refseg's graphs use, with their ONNX codes (TensorProto.DataType). */
public enum DType {
    FLOAT(1, OnnxJavaType.FLOAT),
    UINT8(2, OnnxJavaType.UINT8),
    INT8(3, OnnxJavaType.INT8),
    INT32(6, OnnxJavaType.INT32),
    INT64(7, OnnxJavaType.INT64),
    BOOL(9, OnnxJavaType.BOOL),
    DOUBLE(11, OnnxJavaType.DOUBLE);

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

    public static DType of(OnnxJavaType t) {
        for (DType d : values()) {
            if (d.javaType == t) {
                return d;
            }
        }
        throw new IllegalArgumentException("unsupported tensor type " + t);
    }
}
