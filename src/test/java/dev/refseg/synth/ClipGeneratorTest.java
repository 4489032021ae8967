package dev.refseg.synth;

import dev.refseg.eval.LabelPng;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.eval.EvalCli;
import dev.refseg.mask.BinaryMask;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipGeneratorTest {

    @Test
    void sameSeedSamePixels() {
        SyntheticClip a = ClipGenerator.render(ClipGenerator.randomSpec(42, 96, 64, 6, 3, true));
        SyntheticClip b = ClipGenerator.render(ClipGenerator.randomSpec(42, 96, 64, 6, 3, true));
        for (int f = 0; f < 6; f++) {
            assertArrayEquals(a.frames().get(f), b.frames().get(f));
        }
        assertArrayEquals(a.audio16k(), b.audio16k());
        SyntheticClip c = ClipGenerator.render(ClipGenerator.randomSpec(43, 96, 64, 6, 3, true));
        assertNotEquals(a.referents(), List.of()); // referents exist
        assertTrue(!java.util.Arrays.equals(a.frames().get(0), c.frames().get(0)));
    }

    @Test
    void sampleHasOcclusionLeavingAndReentering() {
        SyntheticClip s = SampleClip.render();
        assertEquals(48, s.frameCount());
        assertEquals(List.of("the red disc", "the blue square", "the green triangle"), s.referents());
        // The red disc is absent for a stretch in the middle, visible before and after.
        List<BinaryMask> red = s.truth().get(0);
        assertTrue(red.get(0).area() > 0 && red.get(47).area() > 0);
        int absent = 0;
        for (BinaryMask m : red) {
            absent += m.isEmpty() ? 1 : 0;
        }
        assertTrue(absent >= 5, "red disc absent for " + absent + " frames");
        // The blue square loses pixels behind the green triangle: visible area drops below its full area.
        double full = 41.0 * 41.0;
        long minBlue = s.truth().get(1).stream().mapToLong(BinaryMask::area).min().orElseThrow();
        assertTrue(minBlue < full * 0.8, "blue square never occluded: min area " + minBlue);
        // Ground truth masks never overlap.
        for (int f = 0; f < 48; f++) {
            for (int p = 0; p < 320 * 240; p++) {
                int owners = 0;
                for (List<BinaryMask> o : s.truth()) {
                    owners += o.get(f).data()[p];
                }
                assertTrue(owners <= 1);
            }
        }
        // One tone for the sounding red disc: 4.8 s at 16 kHz.
        assertEquals(76_800, s.audio16k().length);
    }

    @Test
    void groundTruthScoresPerfectlyAgainstItself(@TempDir Path dir) throws Exception {
        SyntheticClip clip = ClipGenerator.render(ClipGenerator.randomSpec(3, 64, 48, 5, 2, false));
        ClipWriter.write(clip, dir);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = EvalCli.run(new String[] {"--pred", dir.resolve("truth").toString(), "--gt",
                dir.resolve("truth").toString()}, new PrintStream(buf));
        assertEquals(0, rc, buf.toString());
        assertTrue(buf.toString().contains("J&F 1.0000"), buf.toString());
        assertTrue(Files.size(dir.resolve("clip.mp4")) > 0);
        // A prediction folder with no mask for any frame (empty, or a mistyped path) is refused, not scored:
        // frames where an object is absent from both would otherwise score J = 1 and give plausible numbers.
        Path none = Files.createDirectories(dir.resolve("none"));
        java.io.IOException empty = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> EvalCli.evaluate(none, dir.resolve("truth"), false));
        assertTrue(empty.getMessage().startsWith("no predicted mask under"), empty.getMessage());
        ByteArrayOutputStream typo = new ByteArrayOutputStream();
        assertEquals(1, EvalCli.run(new String[] {"--pred", dir.resolve("truht").toString(), "--gt",
                dir.resolve("truth").toString()}, new PrintStream(typo)));
        assertTrue(typo.toString().contains("prediction folder not found"), typo.toString());
        // One predicted frame is enough to score: the missing ones count as empty masks.
        Path one = Files.createDirectories(dir.resolve("one/clip"));
        Files.copy(dir.resolve("truth/clip/00000.png"), one.resolve("00000.png"));
        EvalCli.Report r = EvalCli.evaluate(dir.resolve("one"), dir.resolve("truth"), false);
        assertTrue(r.meanJ() > 0 && r.meanJ() < 1, "J " + r.meanJ());
        assertEquals(2 + 1, r.rows().size());
        // Audio runs: one row per clip with its AVS mIoU and F-score; frame 0 of 5 right, the others empty.
        assertEquals(2, r.avsRows().size());
        String[] row = r.avsRows().get(1).trim().split("\\s+");
        assertEquals("clip", row[0]);
        assertEquals("5", row[1]);
        assertEquals(0.2, Double.parseDouble(row[2]), 1e-4);
        ByteArrayOutputStream avs = new ByteArrayOutputStream();
        assertEquals(0, EvalCli.run(new String[] {"--pred", dir.resolve("truth").toString(), "--gt",
                dir.resolve("truth").toString(), "--avs"}, new PrintStream(avs)));
        assertTrue(avs.toString().matches("(?s).*clip\\s+5\\s+1\\.0000\\s+1\\.0000.*"), avs.toString());
    }

    @Test
    void audioClipsGetAvsTruthOfTheObjectsSoundingThen(@TempDir Path dir) throws Exception {
        // The red disc sounds for the first second only; the blue square never.
        SyntheticClip clip = ClipGenerator.render(new ClipSpec(64, 48, 20, 10, List.of(
                new ObjectSpec(Shape.DISC, Colour.RED, 8, 16, 24, 0, 0, 8, 56, 8, 40, 0, 500, 0, 1),
                new ObjectSpec(Shape.SQUARE, Colour.BLUE, 8, 46, 24, 0, 0, 8, 56, 8, 40, 1, 0)), true, 3));
        ClipWriter.write(clip, dir);
        for (int f : new int[] {0, 9, 10, 19}) {
            BinaryMask avs = LabelPng.read(dir.resolve(String.format("avs-truth/clip/%05d.png", f))).mask(1);
            assertEquals(f < 10 ? clip.truth().get(0).get(f) : BinaryMask.empty(48, 64), avs, "frame " + f);
        }
    }
}
