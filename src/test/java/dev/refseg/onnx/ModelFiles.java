package dev.refseg.onnx;

import dev.refseg.onnx.proto.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Rewrites .onnx files in place, for tests that turn fixture graphs into other kinds of export. */
public final class ModelFiles {
    private ModelFiles() {
    }

    public static ModelProto read(Path file) throws IOException {
        return ModelProto.parseFrom(Files.readAllBytes(file));
    }

    public static void rewrite(Path file, UnaryOperator<ModelProto> transform) throws IOException {
        Files.write(file, transform.apply(read(file)).toByteArray());
    }
}
