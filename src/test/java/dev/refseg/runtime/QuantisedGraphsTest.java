package dev.refseg.runtime;

import dev.refseg.inference.ModelSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.fixtures.FixtureModels;
import dev.refseg.runtime.GraphRunner.Input;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.GraphBuilder;
import dev.refseg.onnx.Int8Weights;
import dev.refseg.onnx.ModelFiles;
import dev.refseg.onnx.proto.ModelProto;
import dev.refseg.onnx.proto.TensorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graphs whose weights are int8 (QDQ) load as the float ones do and compute within the quantisation error. */
class QuantisedGraphsTest {
    static final OrtRuntime CPU = new OrtRuntime(List.of("cpu"), 0, 1);
    static final String TAGGER = CanonicalGraphs.AUDIO_TAGGER;
    /** The fixture labels' class count. */
    static final int CLASSES = 6;

    @Test
    void int8WeightsLoadAsTheSameFamiliesAndStayClose(@TempDir Path fp32Dir, @TempDir Path int8Dir) throws Exception {
        Map<String, Path> fp32Files = FixtureModels.writeAll(fp32Dir);
        Map<String, Path> int8Files = FixtureModels.writeAll(int8Dir);
        // A linear tagger in place of the fixture's band detector: one large weight whose error is easy to bound.
        Files.write(fp32Files.get(TAGGER), linearTagger());
        Files.write(int8Files.get(TAGGER), linearTagger());
        for (Path file : int8Files.values()) {
            ModelFiles.rewrite(file, Int8Weights::quantise);
        }
        float[] weight = largestInitializer(ModelFiles.read(fp32Files.get(TAGGER)));
        assertEquals(128 * CLASSES, weight.length);
        ModelProto beats = ModelFiles.read(int8Files.get(TAGGER));
        assertTrue(beats.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getDataType() == DType.INT8.onnxCode() && t.getDimsCount() == 2), "int8 weight");
        assertTrue(beats.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("DequantizeLinear")));
        // The detector fixture's float constants are all small (colour table: 24 values), so it stays as it is.
        assertEquals(ModelFiles.read(fp32Files.get(CanonicalGraphs.GDINO_HF.key())),
                ModelFiles.read(int8Files.get(CanonicalGraphs.GDINO_HF.key())));

        try (ModelSet fp32 = ModelSet.load(fp32Dir, CPU); ModelSet int8 = ModelSet.load(int8Dir, CPU)) {
            assertSame(CanonicalGraphs.BEATS, int8.registry().interfaceOf(TAGGER));
            assertSame(CanonicalGraphs.GDINO_HF, int8.registry().interfaceOf(CanonicalGraphs.GDINO_HF.key()));
            assertEquals(CanonicalGraphs.NVIDIA, int8.sam2().family());
            assertEquals(List.of(), int8.registry().convertedTensors(TAGGER));

            int frames = 20;
            float[] fbank = new float[frames * 128];
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < fbank.length; i++) {
                fbank[i] = (float) (r.nextDouble() * 2 - 1);
            }
            Map<String, Input> in = Map.of("fbank", Input.floats(fbank, 1, frames, 128));
            float[] want = fp32.registry().runner(TAGGER, GraphTimer.NONE).run(in).get("probs");
            float[] got = int8.registry().runner(TAGGER, GraphTimer.NONE).run(in).get("probs");
            // probs = sigmoid(mean_t(fbank) . W): each weight is off by at most step/2, each logit by at most
            // sum|mean| * step/2, and the sigmoid's slope is at most 1/4.
            double sumAbsMean = 0;
            for (int c = 0; c < 128; c++) {
                double m = 0;
                for (int t = 0; t < frames; t++) {
                    m += fbank[t * 128 + c];
                }
                sumAbsMean += Math.abs(m / frames);
            }
            double bound = 0.25 * sumAbsMean * Int8Weights.step(weight) / 2 + 1e-6;
            double worst = 0;
            for (int j = 0; j < want.length; j++) {
                worst = Math.max(worst, Math.abs(want[j] - got[j]));
            }
            System.out.printf("int8 linear BEATs-interface tagger: max |probs error| %.2e, bound %.2e%n", worst, bound);
            assertTrue(worst <= bound, "max error " + worst + " > " + bound);
            assertTrue(worst > 0, "the int8 weights were not used");
        }
    }

    /** fbank [b,t,128] -> probs = sigmoid(mean_t(fbank) . W) [b,6], W pseudo-random in [-0.1, 0.1]. */
    private static byte[] linearTagger() {
        float[] w = new float[128 * CLASSES];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((r.nextDouble() * 2 - 1) * 0.1);
        }
        GraphBuilder g = new GraphBuilder("linear_tagger");
        GraphBuilder.Value fbank = g.input("fbank", DType.FLOAT, "batch", "frames", 128);
        g.output("probs", g.sigmoid(g.matMul(g.reduceMean(fbank, false, 1), g.constant(w, 128, CLASSES))), DType.FLOAT,
                "batch", CLASSES);
        return g.build();
    }

    private static float[] largestInitializer(ModelProto m) {
        TensorProto t = m.getGraph().getInitializerList().stream()
                .max(java.util.Comparator.comparingInt(TensorProto::getSerializedSize)).orElseThrow();
        return Int8Weights.values(t);
    }
}
