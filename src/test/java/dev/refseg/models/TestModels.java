package dev.refseg.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.refseg.fixtures.FixturesCli;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.GraphBuilder;
import dev.refseg.onnx.GraphBuilder.Value;
import dev.refseg.onnx.proto.AttributeProto;
import dev.refseg.onnx.proto.GraphProto;
import dev.refseg.onnx.proto.ModelProto;
import dev.refseg.onnx.proto.NodeProto;
import dev.refseg.onnx.proto.TypeProto;
import dev.refseg.onnx.proto.ValueInfoProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Graphs that are wrong in one way each, and a runner that captures the models command's output. */
final class TestModels {
    /** ONNX's element type code for uint16, a type no refseg graph takes. */
    static final int UINT16 = 4;

    private TestModels() {
    }

    /** The command's exit code and everything it printed. */
    record Run(int exitCode, String output) {
        /** Asserts the exit code and that the output holds every one of the parts. */
        void says(int expectedExitCode, String... parts) {
            assertEquals(expectedExitCode, exitCode, output);
            for (String part : parts) {
                assertTrue(output.contains(part), "\"" + part + "\" is not in\n" + output);
            }
        }
    }

    static Run models(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = ModelsCli.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(rc, bytes.toString(StandardCharsets.UTF_8));
    }

    /** The same model with graph input {@code name} declared of ONNX element type {@code elemType}, cast to float before its first use. */
    static byte[] retypedInput(byte[] model, String name, int elemType) throws InvalidProtocolBufferException {
        String widened = name + "_as_float";
        // Every use now reads the cast copy; the graph input keeps its name, with the new type.
        GraphProto.Builder g = FixturesCli.renameInput(ModelProto.parseFrom(model), name, widened).getGraph().toBuilder();
        g.addNode(0, NodeProto.newBuilder().setOpType("Cast").setName("widen_" + name).addInput(name)
                .addOutput(widened).addAttribute(AttributeProto.newBuilder().setName("to")
                        .setType(AttributeProto.AttributeType.INT).setI(DType.FLOAT.onnxCode())));
        for (int i = 0; i < g.getInputCount(); i++) {
            ValueInfoProto in = g.getInput(i);
            if (in.getName().equals(widened)) {
                TypeProto.Tensor t = in.getType().getTensorType().toBuilder().setElemType(elemType).build();
                g.setInput(i, in.toBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)));
            }
        }
        return ModelProto.parseFrom(model).toBuilder().setGraph(g).build().toByteArray();
    }

    /** A transformers-family pointer_tpos graph: normalized_diffs [16] -> pointer_pos [16, 64]. */
    static byte[] pointerTpos() {
        GraphBuilder g = new GraphBuilder("pointer_tpos");
        Value d = g.input("normalized_diffs", DType.FLOAT, 16);
        g.output("pointer_pos", g.matMul(g.unsqueeze(d, 1), g.constant(new float[64], 1, 64)), DType.FLOAT, 16, 64);
        return g.build();
    }

    /** A BEATs tagger with the right interface (6 classes, as the fixture labels) whose run fails: it reshapes any fbank to a fixed size. */
    static byte[] taggerThatCannotRun() {
        GraphBuilder g = new GraphBuilder("beats_cannot_run");
        Value fbank = g.input("fbank", DType.FLOAT, "b", "t", 128);
        Value fixed = g.reshape(fbank, 1, 7, 128);
        g.output("probs", g.sigmoid(g.matMul(g.reduceMean(fixed, false, 1), g.constant(new float[128 * 6], 128, 6))),
                DType.FLOAT, "b", 6);
        return g.build();
    }

    /** Adds a line to the directory's manifest. */
    static void addToManifest(Path dir, String line) throws IOException {
        Files.writeString(dir.resolve("manifest.properties"), Files.readString(dir.resolve("manifest.properties"))
                + line + "\n");
    }
}
