package dev.refseg.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.refseg.fixtures.DetectorFixture;
import dev.refseg.runtime.ImageTensors;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.GraphBuilder;
import dev.refseg.onnx.GraphBuilder.Value;
import dev.refseg.synth.SyntheticClip;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Graphs with a fixed image size (onnx-community/grounding-dino-tiny-ONNX declares [1,3,800,800]): with a
 * pixel_mask the frame is letterboxed and the boxes, normalised over the valid region, map back to the
 * frame; without one it is stretched. The sample clip is 320x240, so the letterbox pads 200 rows.
 */
class FixedInputSizeTest {
    static final OrtEnvironment ENV = GroundingDinoDetectorTest.ENV;
    static final BertTokenizer TOK = GroundingDinoDetectorTest.TOK;
    static final SyntheticClip CLIP = GroundingDinoDetectorTest.CLIP;

    /** The sample's first frame transposed: 240x320. */
    static DecodedFrame portrait() {
        int w = CLIP.width();
        int h = CLIP.height();
        byte[] src = CLIP.frames().get(0);
        byte[] dst = new byte[src.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, 3 * (y * w + x), dst, 3 * (x * h + y), 3);
            }
        }
        return new DecodedFrame(0, 0, h, w, dst);
    }

    static PixelBox truth(int object, boolean transposed) {
        PixelBox b = PixelBox.of(CLIP.truth().get(object).get(0));
        return transposed ? new PixelBox(b.y1(), b.x1(), b.y2(), b.x2()) : b;
    }

    private static void assertFindsEveryReferent(GroundingDinoDetector d, DecodedFrame frame, boolean transposed) {
        for (int o = 0; o < 3; o++) {
            String referent = CLIP.referents().get(o);
            List<Detection> out = d.detect(frame, referent, 0.25f, 0.2f, 3);
            assertEquals(1, out.size(), referent + ": " + out);
            PixelBox want = truth(o, transposed);
            assertTrue(out.get(0).box().iou(want) > 0.85, referent + " on " + frame.width() + "x" + frame.height()
                    + ": " + out.get(0).box() + " vs " + want);
            assertEquals(referent.split(" ")[1], out.get(0).phrase());
        }
    }

    private static OrtSession session(byte[] graph) throws Exception {
        return ENV.createSession(graph, new OrtSession.SessionOptions());
    }

    /** The graph's fit and placements for the 320x240 sample and its 240x320 transpose; every referent on both. */
    private static void assertFitAndDetections(byte[] graph, ImageFit.Kind kind, ImageFit.Placement landscape,
            ImageFit.Placement portrait) throws Exception {
        try (OrtSession s = session(graph)) {
            GroundingDinoDetector d = new GroundingDinoDetector(ENV, s, TOK);
            assertEquals(kind, d.fit().kind());
            assertEquals(landscape, d.fit().place(320, 240));
            assertEquals(portrait, d.fit().place(240, 320));
            assertFindsEveryReferent(d, GroundingDinoDetectorTest.frame0(), false);
            assertFindsEveryReferent(d, portrait(), true);
        }
    }

    @Test
    void letterboxFindsTheReferentsOnLandscapeAndPortraitFrames() throws Exception {
        assertFitAndDetections(DetectorFixture.graph(800, 800), ImageFit.Kind.LETTERBOX,
                new ImageFit.Placement(800, 800, 800, 600), new ImageFit.Placement(800, 800, 600, 800));
    }

    /** Height and width are read separately: in 1000x600 the height binds for both orientations. */
    @Test
    void letterboxIntoANonSquareSize() throws Exception {
        assertFitAndDetections(DetectorFixture.graph(1000, 600), ImageFit.Kind.LETTERBOX,
                new ImageFit.Placement(1000, 600, 800, 600), new ImageFit.Placement(1000, 600, 450, 600));
    }

    /** An fp16 export (pixel_values float16, logits/boxes float16) converted at the boundary finds the same boxes. */
    @Test
    void anFp16ExportIsConvertedAtTheBoundary() throws Exception {
        byte[] fp16 = dev.refseg.onnx.Fp16Io.convert(dev.refseg.onnx.proto.ModelProto.parseFrom(
                DetectorFixture.graph(800, 800))).toByteArray();
        assertFitAndDetections(fp16, ImageFit.Kind.LETTERBOX,
                new ImageFit.Placement(800, 800, 800, 600), new ImageFit.Placement(800, 800, 600, 800));
    }

    @Test
    void withoutPixelMaskTheFrameIsStretched() throws Exception {
        assertFitAndDetections(DetectorFixture.stretchGraph(800, 800), ImageFit.Kind.STRETCH,
                new ImageFit.Placement(800, 800, 800, 800), new ImageFit.Placement(800, 800, 800, 800));
    }

    /**
     * What the checks above guard against: boxes scaled by the padded tensor instead of the valid region
     * (here y by 800/600) miss the truth by far more than the IoU bound allows.
     */
    @Test
    void mappingByThePaddedSizeWouldMiss() throws Exception {
        try (OrtSession s = session(DetectorFixture.graph(800, 800))) {
            GroundingDinoDetector d = new GroundingDinoDetector(ENV, s, TOK);
            for (int o = 0; o < 3; o++) {
                String referent = CLIP.referents().get(o);
                PixelBox got = d.detect(GroundingDinoDetectorTest.frame0(), referent, 0.25f, 0.2f, 1).get(0).box();
                float k = 800f / 600f;
                PixelBox padded = new PixelBox(got.x1(), got.y1() * k, got.x2(), got.y2() * k);
                assertTrue(padded.iou(truth(o, false)) < 0.85, referent + ": " + padded);
            }
        }
    }

    /** The tensors the letterbox sends: normalised image top left, exact zeros and mask 0 on the padding. */
    @Test
    void letterboxTensorsPadWithZerosAndMaskThePadding() {
        ImageFit.Placement p = new ImageFit.Placement(8, 6, 4, 3);
        byte[] rgb = new byte[2 * 2 * 3];
        Arrays.fill(rgb, (byte) 255);
        float[] px = p.pixels(rgb, 2, 2);
        long[] mask = p.pixelMask();
        assertEquals(3 * 8 * 6, px.length);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 8; x++) {
                    boolean image = x < 4 && y < 3;
                    float want = image ? (1 - ImageTensors.IMAGENET_MEAN[c]) / ImageTensors.IMAGENET_STD[c] : 0f;
                    assertEquals(want, px[c * 48 + y * 8 + x], 1e-5f, "c" + c + " y" + y + " x" + x);
                    assertEquals(image ? 1L : 0L, mask[y * 8 + x], "mask y" + y + " x" + x);
                }
            }
        }
    }

    /** A strip keeps a side of at least the backbone's stride, as the dynamic rule does. */
    @Test
    void extremeFramesKeepASideOfAtLeastTheStride() throws Exception {
        try (OrtSession s = session(DetectorFixture.graph(800, 800))) {
            ImageFit fit = new GroundingDinoDetector(ENV, s, TOK).fit();
            assertEquals(new ImageFit.Placement(800, 800, 800, ImageFit.MIN_SIDE), fit.place(3840, 1));
            assertEquals(new ImageFit.Placement(800, 800, ImageFit.MIN_SIDE, 800), fit.place(1, 3840));
            assertEquals(new ImageFit.Placement(800, 800, 800, 800), fit.place(5, 5));
        }
    }

    /** A graph fixing only one image side is refused at construction, naming the input and its shape. */
    @Test
    void oneFixedSideIsRefused() throws Exception {
        GraphBuilder g = new GraphBuilder("half_fixed");
        Value pixels = g.input("pixel_values", DType.FLOAT, 1, 3, 800, "width");
        g.input("input_ids", DType.INT64, 1, "tokens");
        g.output("pred_boxes", g.reduceSum(pixels, false, 1, 2, 3), DType.FLOAT, 1);
        try (OrtSession s = session(g.build())) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> new GroundingDinoDetector(ENV, s, TOK));
            assertTrue(e.getMessage().contains("pixel_values [1, 3, 800, -1] fixes only its height"), e.getMessage());
        }
    }

    /** A declared size that no export uses is refused at load, not by running out of memory on a frame. */
    @Test
    void anAbsurdFixedSizeIsRefused() throws Exception {
        try (OrtSession s = session(DetectorFixture.graph(20000, 20000))) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> new GroundingDinoDetector(ENV, s, TOK));
            assertTrue(e.getMessage().contains("declares a side over 2666 px"), e.getMessage());
        }
    }

    /** Exports traced with a fixed token length get the caption padded with masked [PAD] tokens. */
    @Test
    void aFixedTokenLengthIsPaddedAndBoundsTheCaption() throws Exception {
        dev.refseg.onnx.proto.ModelProto m = dev.refseg.onnx.proto.ModelProto.parseFrom(DetectorFixture.graph(800, 800));
        dev.refseg.onnx.proto.GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInputCount(); i++) {
            if (List.of("input_ids", "token_type_ids", "attention_mask").contains(g.getInput(i).getName())) {
                var in = g.getInput(i).toBuilder();
                in.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1).clearDimParam().setDimValue(8);
                g.setInput(i, in);
            }
        }
        try (OrtSession s = session(m.toBuilder().setGraph(g).build().toByteArray())) {
            GroundingDinoDetector d = new GroundingDinoDetector(ENV, s, TOK);
            assertEquals(8, d.maxTokens());
            assertFindsEveryReferent(d, GroundingDinoDetectorTest.frame0(), false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.detect(GroundingDinoDetectorTest.frame0(), "the red disc on the left of the big one", 0.25f,
                            0.2f, 3));
            assertTrue(e.getMessage().contains("reads at most 8"), e.getMessage());
        }
    }
}
