package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.JandF;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.GraphSpec;
import dev.refseg.onnx.Fp16Io;
import dev.refseg.onnx.ModelFiles;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The NVIDIA-family graphs exported with float16 inputs and outputs track as the float32 ones do. */
class HalfPrecisionTrackerTest {
    static final List<GraphSpec> NVIDIA_GRAPHS = List.of(CanonicalGraphs.SAM2_IMAGE_ENCODER,
            CanonicalGraphs.SAM2_MASK_DECODER, CanonicalGraphs.SAM2_MEMORY_ATTENTION, CanonicalGraphs.SAM2_MEMORY_ENCODER);

    @Test
    void fp16InputsAndOutputsLoadAndTrack() throws Exception {
        SyntheticClip sample = SampleClip.render();
        Path dir = Files.createTempDirectory("fp16-fixtures");
        Map<String, Path> files = FixtureModels.writeAll(dir);
        for (GraphSpec spec : NVIDIA_GRAPHS) {
            ModelFiles.rewrite(files.get(spec.key()), Fp16Io::convert);
        }
        try (TrackerHarness fp32 = new TrackerHarness(); TrackerHarness fp16 = new TrackerHarness(dir)) {
            assertEquals(CanonicalGraphs.NVIDIA, fp16.models.sam2().family());
            for (GraphSpec spec : NVIDIA_GRAPHS) {
                // Every tensor of these graphs is float in the spec, so every one is converted.
                List<String> all = Stream.concat(spec.inputs().stream(), spec.outputs().stream())
                        .map(t -> t.name() + " float16").toList();
                assertEquals(all, fp16.models.registry().convertedTensors(spec.key()), spec.key());
            }
            assertEquals(List.of(), fp16.models.registry().convertedTensors(CanonicalGraphs.GDINO_HF.key()));
            assertFeaturesRoundedToHalf(sample, fp32, fp16);

            double reference = TrackerHarness.score(sample, fp32.track(sample, 24, 1), 1).jf();
            JandF s = TrackerHarness.score(sample, fp16.track(sample, 24, 1), 1);
            System.out.printf("blue square from 24, fp16 I/O: J&F %.3f (fp32 %.3f)%n", s.jf(), reference);
            assertTrue(s.jf() >= 0.90, "J&F " + s.jf());
            assertEquals(reference, s.jf(), 0.05, "fp16 I/O against fp32");
        }
    }

    @Test
    void theTransformersFamilyWithFp16InputsAndOutputsTracks() throws Exception {
        SyntheticClip sample = SampleClip.render();
        Path dir = TrackerHarness.fixtures("transformers-512");
        for (String graph : List.of("vision_encoder", "mask_decoder", "memory_encoder", "memory_attention",
                "pointer_tpos")) {
            ModelFiles.rewrite(dir.resolve("onnx/" + graph + ".onnx"), Fp16Io::convert);
        }
        try (TrackerHarness fp16 = new TrackerHarness(dir)) {
            assertEquals(CanonicalGraphs.TRANSFORMERS, fp16.models.sam2().family());
            // input_labels stays int32: only float tensors are converted.
            assertTrue(fp16.models.registry().convertedTensors("sam2.mask_decoder").contains("input_points float16"));
            assertTrue(fp16.models.registry().convertedTensors("sam2.mask_decoder").stream().noneMatch(t -> t.startsWith("input_labels")));
            JandF s = TrackerHarness.score(sample, fp16.track(sample, 0, 0), 0);
            System.out.printf("transformers-512 red disc from 0, fp16 I/O: J&F %.3f%n", s.jf());
            assertTrue(s.jf() >= 0.95, "J&F " + s.jf());
        }
    }

    /** The values really cross the boundary as float16: rounded, within half a float16 unit of fp32's. */
    private static void assertFeaturesRoundedToHalf(SyntheticClip clip, TrackerHarness fp32, TrackerHarness fp16) {
        float[] image = Sam2Image.preprocess(clip.frames().get(24), clip.width(), clip.height(), null);
        float[] a;
        float[] b;
        try (NvidiaSam2.FrameFeatures fa = TrackerHarness.graphs(fp32.models).encodeGraph(24, java.nio.FloatBuffer.wrap(image));
                NvidiaSam2.FrameFeatures fb = TrackerHarness.graphs(fp16.models).encodeGraph(24, java.nio.FloatBuffer.wrap(image))) {
            a = WiringFaultTest.FaultyGraphs.array(fa.pixFeat());
            b = WiringFaultTest.FaultyGraphs.array(fb.pixFeat());
        }
        int rounded = 0;
        for (int i = 0; i < a.length; i++) {
            // Each pixel rounded going in (|x| <= 2.7 after normalisation), the patch mean rounded coming out:
            // half a float16 unit, 2^-11 relative, each time.
            assertEquals(a[i], b[i], (Math.abs(a[i]) + 2.7f) * 0x1p-11f, "pix_feat[" + i + "]");
            rounded += a[i] != b[i] ? 1 : 0;
        }
        assertTrue(rounded > 0, "no value was rounded: the graphs did not run in float16 at the boundary");
    }
}
