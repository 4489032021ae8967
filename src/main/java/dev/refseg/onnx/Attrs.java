package dev.refseg.onnx;

import com.google.protobuf.ByteString;
import dev.refseg.onnx.proto.AttributeProto;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Node attributes, built fluently: {@code Attrs.of().i("axis", 1).ints("perm", 0, 2, 1)}. */
public final class Attrs {
    private final List<AttributeProto> list = new ArrayList<>();

    public static Attrs of() {
        return new Attrs();
    }

    public static Attrs none() {
        return new Attrs();
    }

    public Attrs i(String name, long v) {
        list.add(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build());
        return this;
    }

    public Attrs f(String name, float v) {
        list.add(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build());
        return this;
    }

    public Attrs s(String name, String v) {
        list.add(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(v, StandardCharsets.UTF_8)).build());
        return this;
    }

    public Attrs ints(String name, long... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        list.add(b.build());
        return this;
    }

    public Attrs floats(String name, float... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float x : v) {
            b.addFloats(x);
        }
        list.add(b.build());
        return this;
    }

    List<AttributeProto> list() {
        return list;
    }
}
