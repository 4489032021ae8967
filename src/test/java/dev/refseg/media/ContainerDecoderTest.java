package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.ContainerFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerDecoderTest {
    static SyntheticClip clip;
    @TempDir
    static Path dir;

    /** Converts on the decoder thread (its only user), so the tests see the pixels the store would give. */
    static final RgbConverter rgb = new RgbConverter();

    @BeforeAll
    static void render() {
        clip = SampleClip.render();
    }

    @AfterAll
    static void freeConverter() {
        rgb.close();
    }

    /** A sink that keeps every picture as RGB, turned as displayed. */
    static FrameSink collect(List<DecodedFrame> out) {
        return p -> {
            try (p) {
                out.add(p.toRgb(rgb));
            }
        };
    }

    private List<DecodedFrame> stream(byte[] file, ContainerFormat declared, int chunk, IntakeLimits limits)
            throws Exception {
        List<DecodedFrame> out = new ArrayList<>();
        Path work = Files.createTempDirectory(dir, "work");
        try (ContainerDecoder d = new ContainerDecoder(work, declared, Arrays.copyOf(file, Math.min(16, file.length)),
                limits, 1L << 30, MediaSettings.defaults(), collect(out))) {
            for (int off = 0; off < file.length; off += chunk) {
                d.write(Arrays.copyOfRange(file, off, Math.min(file.length, off + chunk)));
            }
            d.finish();
        }
        return out;
    }

    private static double meanAbsDiff(byte[] a, byte[] b) {
        long s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return s / (double) a.length;
    }

    private void assertSampleFrames(List<DecodedFrame> frames) {
        assertEquals(clip.frameCount(), frames.size());
        for (int i = 0; i < frames.size(); i++) {
            DecodedFrame f = frames.get(i);
            assertEquals(i, f.index());
            assertEquals(320, f.width());
            assertEquals(240, f.height());
            assertTrue(meanAbsDiff(clip.frames().get(i), f.rgb()) < 8, "frame " + i + " differs from the source");
        }
    }

    @Test
    void decodesFaststartMp4WhileStreaming() throws Exception {
        Path mp4 = dir.resolve("fast.mp4");
        VideoWriter.write(mp4, clip.frames(), 320, 240, 10);
        assertSampleFrames(stream(Files.readAllBytes(mp4), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED, 4096,
                IntakeLimits.defaults()));
    }

    /** Item 2 of issue 8: frames come out while the stream is still open (no half-close yet). */
    @Test
    void decodesBeforeTheInputEnds() throws Exception {
        Path mp4 = dir.resolve("open.mp4");
        VideoWriter.write(mp4, clip.frames(), 320, 240, 10);
        byte[] file = Files.readAllBytes(mp4);
        for (ContainerFormat declared : new ContainerFormat[] {ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED,
                ContainerFormat.CONTAINER_FORMAT_MP4}) {
            List<DecodedFrame> out = java.util.Collections.synchronizedList(new ArrayList<>());
            try (ContainerDecoder d = new ContainerDecoder(Files.createTempDirectory(dir, "work"), declared,
                    Arrays.copyOf(file, 16), IntakeLimits.defaults(), 1L << 30, MediaSettings.defaults(), collect(out))) {
                for (int off = 0; off < file.length; off += 4096) {
                    d.write(Arrays.copyOfRange(file, off, Math.min(file.length, off + 4096)));
                }
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (out.size() < clip.frameCount() - 4 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                int before = out.size();
                assertTrue(before >= clip.frameCount() - 4, declared + ": only " + before + " of "
                        + clip.frameCount() + " frames decoded before the input ended");
                d.finish();
                assertSampleFrames(out);
            }
        }
    }

    @Test
    void decodesMp4WithIndexAtTheEnd() throws Exception {
        Path mp4 = dir.resolve("slow.mp4");
        VideoWriter.write(mp4, clip.frames(), 320, 240, 10, false);
        assertSampleFrames(stream(Files.readAllBytes(mp4), ContainerFormat.CONTAINER_FORMAT_MP4, 65536,
                IntakeLimits.defaults()));
    }

    @Test
    void decodesMatroska() throws Exception {
        Path mkv = dir.resolve("clip.mkv");
        VideoWriter.write(mkv, clip.frames(), 320, 240, 10);
        assertSampleFrames(stream(Files.readAllBytes(mkv), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED, 1000,
                IntakeLimits.defaults()));
    }

    /** An orientation declared only in the stream (H.264 display-orientation SEI) is applied as ffmpeg does. */
    @Test
    void displayOrientationSeiIsApplied() throws Exception {
        byte[] h264 = ImageDecoderTest.resource("display-orientation-sei.h264");
        ImageDecoderTest.Ppm ref = ImageDecoderTest.Ppm.parse(ImageDecoderTest.resource("display-orientation-sei.ppm"));
        List<DecodedFrame> out = new ArrayList<>();
        try (ContainerDecoder d = new ContainerDecoder(Files.createTempDirectory(dir, "work"),
                ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED, Arrays.copyOf(h264, 16), IntakeLimits.defaults(), 1L << 30,
                MediaSettings.defaults(), collect(out))) {
            d.write(h264);
            d.finish();
            assertEquals("frame display matrix", d.orientation().source());
            assertTrue(d.orientation().applied());
            assertEquals(64, d.orientation().storedWidth());
        }
        assertEquals(8, out.size());
        assertEquals(ref.width(), out.get(0).width());
        assertEquals(ref.height(), out.get(0).height());
        assertTrue(ImageDecoderTest.maxDiff(ref.rgb(), out.get(0).rgb()) <= 2, "not turned as the ffmpeg command turns it");
    }

    /** A stream whose frame size jumps is refused before the big frame is converted, or before it is allocated. */
    @Test
    void aFrameSizeJumpIsRefusedBeforeItCosts() throws Exception {
        Path small = dir.resolve("small.h264");
        Path big = dir.resolve("big.h264");
        VideoWriter.write(small, clip.frames().subList(0, 4), 320, 240, 10);
        List<byte[]> large = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            large.add(new byte[1280 * 960 * 3]);
        }
        VideoWriter.write(big, large, 1280, 960, 10);
        byte[] both = java.nio.ByteBuffer.allocate((int) (Files.size(small) + Files.size(big)))
                .put(Files.readAllBytes(small)).put(Files.readAllBytes(big)).array();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stream(both, ContainerFormat.CONTAINER_FORMAT_H264, 4096, IntakeLimits.defaults()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("media.data: frame 4 of the H.264 stream is 1280x960 but "
                + "its first frame is 320x240"), e.getStatus().getDescription());
        // Over the frame limits, FFmpeg refuses to allocate the picture at all (max_pixels) and the limit is named.
        IntakeLimits small4 = new IntakeLimits(1 << 20, 640, 480, 100, 60, 1 << 20, 1 << 20);
        StatusRuntimeException f = assertThrows(StatusRuntimeException.class,
                () -> stream(both, ContainerFormat.CONTAINER_FORMAT_H264, 4096, small4));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, f.getStatus().getCode());
        assertTrue(f.getStatus().getDescription().contains("frame width 1280 exceeds the limit refseg.limits.max-width"),
                f.getStatus().getDescription());
    }

    /** An MP4's top-level boxes are followed as bytes arrive: garbage after a real header is refused at once. */
    @Test
    void mp4StructureIsFollowedWhileItStreams() throws Exception {
        Path fast = dir.resolve("walk-fast.mp4");
        Path slow = dir.resolve("walk-slow.mp4");
        VideoWriter.write(fast, clip.frames().subList(0, 8), 320, 240, 10);
        VideoWriter.write(slow, clip.frames().subList(0, 8), 320, 240, 10, false);
        java.util.Random r = new java.util.Random(3);
        for (Path p : List.of(fast, slow)) {
            byte[] file = Files.readAllBytes(p);
            for (int trial = 0; trial < 20; trial++) { // any chunking, splits inside headers included
                Mp4BoxWalk w = new Mp4BoxWalk();
                for (int off = 0; off < file.length; ) {
                    int n = Math.min(file.length - off, 1 + r.nextInt(trial < 10 ? 7 : 5000));
                    assertEquals(null, w.accept(Arrays.copyOfRange(file, off, off + n)), p + " at " + off);
                    off += n;
                }
            }
        }
        // 64-bit sizes are followed too: a 'free' box of 16 + 8 bytes in the large form.
        byte[] large = {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 0, 0, 0, 0, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 8,
            'm', 'd', 'a', 't'};
        assertEquals(null, new Mp4BoxWalk().accept(large));
        byte[] garbage = new byte[40_000];
        new java.util.Random(5).nextBytes(garbage);
        byte[] head = Arrays.copyOf(Files.readAllBytes(fast), 32); // ftyp, then garbage
        System.arraycopy(head, 0, garbage, 0, head.length);
        Mp4BoxWalk w = new Mp4BoxWalk();
        String broken = null;
        for (int off = 0; off < garbage.length && broken == null; off += 4096) {
            broken = w.accept(Arrays.copyOfRange(garbage, off, Math.min(garbage.length, off + 4096)));
        }
        assertTrue(broken != null && broken.startsWith("the top-level box at byte "), String.valueOf(broken));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stream(garbage, ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED, 4096, IntakeLimits.defaults()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("media.data: not an MP4: the top-level box at byte "),
                e.getStatus().getDescription());
    }

    @Test
    void truncatedMp4IsInvalidArgument() throws Exception {
        Path mp4 = dir.resolve("cut.mp4");
        VideoWriter.write(mp4, clip.frames(), 320, 240, 10);
        byte[] all = Files.readAllBytes(mp4);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stream(Arrays.copyOf(all, all.length / 2), ContainerFormat.CONTAINER_FORMAT_MP4, 4096,
                        IntakeLimits.defaults()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("truncated MP4"), e.getStatus().getDescription());
    }

    /** A fragmented MP4 (moof + mdat per GOP, as cameras and live encoders write) cut inside its last mdat. */
    @Test
    void fragmentedMp4CutInItsLastFragmentIsInvalidArgument() throws Exception {
        Path mp4 = dir.resolve("frag.mp4");
        try (org.bytedeco.javacv.FFmpegFrameRecorder rec = new org.bytedeco.javacv.FFmpegFrameRecorder(mp4.toFile(),
                320, 240, 0)) {
            rec.setFormat("mp4");
            rec.setFrameRate(10);
            rec.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P);
            rec.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264);
            rec.setGopSize(10);
            rec.setVideoOption("threads", "1");
            rec.setOption("movflags", "frag_keyframe+empty_moov");
            rec.start();
            org.bytedeco.javacv.Frame f = new org.bytedeco.javacv.Frame(320, 240, org.bytedeco.javacv.Frame.DEPTH_UBYTE, 3);
            for (byte[] rgb : clip.frames()) {
                java.nio.ByteBuffer buf = (java.nio.ByteBuffer) f.image[0];
                for (int y = 0; y < 240; y++) {
                    buf.position(y * f.imageStride);
                    buf.put(rgb, y * 320 * 3, 320 * 3);
                }
                buf.rewind();
                rec.record(f, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24);
            }
            rec.stop();
        }
        byte[] all = Files.readAllBytes(mp4);
        assertEquals(clip.frameCount(), stream(all, ContainerFormat.CONTAINER_FORMAT_MP4, 4096, IntakeLimits.defaults())
                .size(), "the whole file decodes");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stream(Arrays.copyOf(all, all.length - 700), ContainerFormat.CONTAINER_FORMAT_MP4, 4096,
                        IntakeLimits.defaults()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("media.data: truncated MP4: the data ends after "
                + (all.length - 700) + " bytes, inside its 'mdat' box"), e.getStatus().getDescription());
    }

    @Test
    void oversizedVideoIsResourceExhausted() throws Exception {
        Path mp4 = dir.resolve("big.mp4");
        VideoWriter.write(mp4, clip.frames().subList(0, 3), 320, 240, 10);
        IntakeLimits small = new IntakeLimits(1 << 20, 200, 200, 100, 60, 1 << 20, 1 << 20);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stream(Files.readAllBytes(mp4), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED, 4096, small));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("refseg.limits.max-width"), e.getStatus().getDescription());
    }
}
