package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.eval.JandF;
import dev.refseg.mask.BinaryMask;
import dev.refseg.media.ImageDecoder;
import dev.refseg.media.Orientation;
import dev.refseg.media.VideoWriter;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Progress;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse.EventCase;
import dev.refseg.v1.Start;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, item 3: a phone video (MP4 with a 90° display matrix) and EXIF-rotated JPEG frames are
 * segmented as players show them — masks sized and placed as in the displayed frames, matching the
 * ground truth turned the same way — and the orientation is reported; keep_stored_orientation keeps the
 * stored pixels.
 */
@QuarkusTest
class OrientationTest extends CallTest {
    static final int FRAMES = 16;
    static final String REFERENT = "the blue square";
    static final int TRUTH_OBJECT = 1;
    static SyntheticClip clip;


    @BeforeAll
    static void render() {
        clip = SampleClip.render();
    }


    static List<SegmentRequest> start(boolean keepStored) {
        return new ArrayList<>(List.of(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText(REFERENT)
                .setOptions(SegmentOptions.newBuilder().setKeepStoredOrientation(keepStored))).build()));
    }

    /** The ground truth of the referred object, turned. */
    static List<BinaryMask> truth(Orientation turn) {
        List<BinaryMask> out = new ArrayList<>();
        for (BinaryMask m : clip.truth().get(TRUTH_OBJECT).subList(0, FRAMES)) {
            out.add(turn(m, turn));
        }
        return out;
    }

    static BinaryMask turn(BinaryMask m, Orientation o) {
        byte[] rgb = new byte[m.width() * m.height() * 3];
        for (int i = 0; i < m.width() * m.height(); i++) {
            rgb[3 * i] = m.data()[i];
        }
        byte[] t = o.apply(rgb, m.width(), m.height());
        int w = o.displayedWidth(m.width(), m.height());
        int h = o.displayedHeight(m.width(), m.height());
        byte[] out = new byte[w * h];
        for (int i = 0; i < out.length; i++) {
            out[i] = t[3 * i];
        }
        return new BinaryMask(h, w, out);
    }

    private static JandF score(StreamClient.Outcome o, List<BinaryMask> truth) {
        List<BinaryMask> masks = TextClips.masksOf(o, 1, truth.get(0).height(), truth.get(0).width());
        return JandF.of(masks, truth);
    }

    private static void assertOrientation(StreamClient.Outcome o, int rotation, boolean applied, String source,
            int storedW, int storedH) {
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = o.of(EventCase.SUMMARY).get(0).getSummary();
        List<Progress> progress = o.of(EventCase.PROGRESS).stream().map(e -> e.getProgress()).toList();
        for (dev.refseg.v1.Orientation or : List.of(s.getOrientation(), progress.get(progress.size() - 1).getOrientation())) {
            assertEquals(rotation, or.getRotationDegrees());
            assertEquals(applied, or.getApplied());
            assertEquals(source, or.getSource());
            assertEquals(storedW, or.getStoredWidth());
            assertEquals(storedH, or.getStoredHeight());
        }
        int w = applied && rotation % 180 != 0 ? storedH : storedW;
        assertEquals(w, s.getWidth());
    }

    @Test
    void rotatedMp4IsSegmentedAsDisplayed() throws Exception {
        Path f = Files.createTempFile("phone", ".mp4");
        VideoWriter.write(f, clip.frames().subList(0, FRAMES), clip.width(), clip.height(), 10, true, 90);
        byte[] mp4 = Files.readAllBytes(f);
        Files.delete(f);
        try (StreamClient c = new StreamClient()) {
            for (boolean keep : new boolean[] {false, true}) {
                List<SegmentRequest> reqs = start(keep);
                for (int off = 0; off < mp4.length; off += 16 * 1024) {
                    reqs.add(SegmentRequest.newBuilder().setMedia(MediaChunk.newBuilder().setData(
                            ByteString.copyFrom(mp4, off, Math.min(16 * 1024, mp4.length - off)))).build());
                }
                StreamClient.Outcome o = c.run(reqs);
                assertOrientation(o, 90, !keep, "container display matrix", 320, 240);
                JandF jf = score(o, truth(keep ? Orientation.NONE : new Orientation(90, false)));
                System.out.printf("MP4 with a 90° display matrix, keep_stored=%s: J&F %.3f%n", keep, jf.jf());
                assertTrue(jf.jf() >= 0.85, "J&F " + jf.jf());
            }
        }
    }

    /** Frames stored turned a quarter counter-clockwise and tagged EXIF 6 display as the original clip. */
    @Test
    void exifRotatedJpegFramesAreSegmentedAsDisplayed() throws Exception {
        Orientation storedTurn = new Orientation(270, false);
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            byte[] stored = storedTurn.apply(clip.frames().get(i), clip.width(), clip.height());
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(ImageDecoder.toImage(stored, clip.height(), clip.width()), "jpg", b);
            frames.add(Frame.newBuilder().setIndex(i).setData(ByteString.copyFrom(withExifOrientation(b.toByteArray(), 6)))
                    .build());
        }
        try (StreamClient c = new StreamClient()) {
            for (boolean keep : new boolean[] {false, true}) {
                List<SegmentRequest> reqs = start(keep);
                frames.forEach(fr -> reqs.add(SegmentRequest.newBuilder().setFrame(fr).build()));
                StreamClient.Outcome o = c.run(reqs);
                assertOrientation(o, 90, !keep, "EXIF orientation", 240, 320);
                JandF jf = score(o, truth(keep ? storedTurn : Orientation.NONE));
                System.out.printf("JPEG frames with EXIF orientation 6, keep_stored=%s: J&F %.3f%n", keep, jf.jf());
                assertTrue(jf.jf() >= 0.85, "J&F " + jf.jf());
            }
        }
    }

    /** An APP1 Exif segment with IFD0 Orientation (0x0112) = value, inserted after SOI. */
    static byte[] withExifOrientation(byte[] jpeg, int value) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) value, 0, 0, 0, 0, 0, 0};
        int len = 2 + 6 + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len}, 0, 4);
        out.writeBytes("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
