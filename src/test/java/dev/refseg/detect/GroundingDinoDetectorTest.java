package dev.refseg.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.media.DecodedFrame;
import dev.refseg.onnx.Attrs;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.GraphBuilder;
import dev.refseg.onnx.GraphBuilder.Value;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter picks the export family by input names and feeds each its inputs the way it needs them. */
class GroundingDinoDetectorTest {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    static final BertTokenizer TOK = new BertTokenizer(FixtureModels.VOCAB);
    static final SyntheticClip CLIP = SampleClip.render();

    static DecodedFrame frame0() {
        return new DecodedFrame(0, 0, CLIP.width(), CLIP.height(), CLIP.frames().get(0));
    }

    @Test
    void huggingFaceFamilyRunsAndSizesLikeTheProcessor(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        try (OrtSession s = ENV.createSession(dir.resolve("gdino_detector.onnx").toString(), new OrtSession.SessionOptions())) {
            GroundingDinoDetector d = new GroundingDinoDetector(ENV, s, TOK);
            assertEquals(GroundingDinoDetector.Family.HUGGING_FACE, d.family());
            // 320x240: short side to 800, long side 320 * 800 / 240 = 1066.
            assertArrayEquals(new int[] {1066, 800}, d.inputSize(320, 240));
            // A very wide frame: the short side shrinks to round(1333 * 300 / 1200) = 333 and the long
            // side is int(333 * 1200 / 300) = 1332, as datasets/transforms.py computes it.
            assertArrayEquals(new int[] {1332, 333}, d.inputSize(1200, 300));
            // The fixture finds the region of the colour the caption names.
            for (int o = 0; o < 3; o++) {
                List<Detection> out = d.detect(frame0(), CLIP.referents().get(o), 0.25f, 0.2f, 3);
                assertEquals(1, out.size(), CLIP.referents().get(o) + ": " + out);
                dev.refseg.mask.PixelBox truth = dev.refseg.mask.PixelBox.of(CLIP.truth().get(o).get(0));
                assertTrue(out.get(0).box().iou(truth) > 0.85, out.get(0).box() + " vs " + truth);
                assertEquals(CLIP.referents().get(o).split(" ")[1], out.get(0).phrase());
            }
            assertEquals(List.of(), d.detect(frame0(), "the yellow diamond", 0.25f, 0.2f, 3));
        }
    }

    /**
     * Frames far wider (or taller) than 1333:800 must not round the short side to 0 (the backbone's
     * pooling then fails): both sides stay at least the backbone's stride and the long side at most 1333.
     */
    @Test
    void extremeAspectRatiosKeepBothSidesUsable(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        try (OrtSession s = ENV.createSession(dir.resolve("gdino_detector.onnx").toString(), new OrtSession.SessionOptions())) {
            GroundingDinoDetector d = new GroundingDinoDetector(ENV, s, TOK);
            int[][] frames = {{3840, 1}, {1, 3840}, {3840, 2}, {2160, 1}, {1333, 1}, {3000, 1}};
            for (int[] f : frames) {
                int[] size = d.inputSize(f[0], f[1]);
                String what = f[0] + "x" + f[1] + " -> " + size[0] + "x" + size[1];
                assertTrue(Math.min(size[0], size[1]) >= ImageFit.MIN_SIDE, what);
                assertTrue(Math.max(size[0], size[1]) <= 1333, what);
                assertEquals(f[0] >= f[1], size[0] >= size[1], "the long side stays the long side: " + what);
            }
            // Aspect ratios the model can take are sized as before (short side round(1333 * 32 / 1333) = 32).
            assertArrayEquals(new int[] {1333, 32}, d.inputSize(1333, 32));
            for (int[] f : new int[][] {{3840, 1}, {1, 3840}}) {
                byte[] rgb = new byte[3 * f[0] * f[1]];
                java.util.Arrays.fill(rgb, (byte) 200);
                List<Detection> out = d.detect(new DecodedFrame(0, 0, f[0], f[1], rgb), "the red disc", 0.25f, 0.2f, 3);
                assertTrue(out.size() <= 3, f[0] + "x" + f[1] + ": " + out);
            }
        }
    }

    /** An IDEA-interface graph whose logits reveal the bool inputs: 2 * (phrase block size) - 4 per token. */
    static byte[] ideaProbe() {
        GraphBuilder g = new GraphBuilder("idea_probe");
        g.input("img", DType.FLOAT, 1, 3, 800, 1200);
        g.input("input_ids", DType.INT64, 1, "L");
        Value valid = g.input("attention_mask", DType.BOOL, 1, "L");
        g.input("position_ids", DType.INT64, 1, "L");
        g.input("token_type_ids", DType.INT64, 1, "L");
        Value selfAttn = g.input("text_token_mask", DType.BOOL, 1, "L", "L");
        Value block = g.reduceSum(g.cast(selfAttn, DType.FLOAT), false, 2);                 // [1,L]
        Value perToken = g.mul(g.affine(block, 2, -4), g.cast(valid, DType.FLOAT));       // [1,L]
        Value len = g.slice(g.shape(perToken), new long[] {1}, new long[] {2}, new long[] {0});
        Value padRight = g.sub(g.longs(256), len);
        Value pads = g.concat(0, g.longs(0, 0, 0, 0, 0), padRight);                       // [1,1,L] -> [1,1,256]
        Value row = g.op("Pad", Attrs.none(), g.unsqueeze(perToken, 1), pads, g.scalar(-20f));
        g.output("logits", g.expand(row, g.longs(1, 900, 256)), DType.FLOAT, 1, 900, 256);
        g.output("boxes", g.expand(g.constant(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 1, 1, 4), g.longs(1, 900, 4)),
                DType.FLOAT, 1, 900, 4);
        return g.build();
    }

    @Test
    void ideaFamilyGetsValidityAndPhraseMasksUnderTheirSwappedNames(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("idea.onnx");
        Files.write(f, ideaProbe());
        try (OrtSession s = ENV.createSession(f.toString(), new OrtSession.SessionOptions())) {
            GroundingDinoDetector d = new GroundingDinoDetector(ENV, s, TOK);
            assertEquals(GroundingDinoDetector.Family.IDEA, d.family());
            // The traced export only works at its own size: 1200x800 whatever the frame.
            assertArrayEquals(new int[] {1200, 800}, d.inputSize(320, 240));
            List<Detection> out = d.detect(frame0(), "red disc", 0.25f, 0.2f, 3);
            // [CLS] red disc . [SEP]: blocks {0}, {1,2,3}, {4} -> logits -2, 2, 2, 2, -2.
            assertEquals(3, out.size());
            assertEquals("red disc", out.get(0).phrase());
            assertEquals(1 / (1 + Math.exp(-2)), out.get(0).score(), 1e-5);
            assertArrayEquals(new float[] {80, 60, 240, 180}, new float[] {out.get(0).box().x1(), out.get(0).box().y1(),
                out.get(0).box().x2(), out.get(0).box().y2()}, 1e-3f);
        }
    }
}
