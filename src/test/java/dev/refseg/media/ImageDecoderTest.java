package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client frames decode to the pixels FFmpeg gives, in every JPEG variant (reference decodes made by
 * scripts/media-references/make.sh with the ffmpeg command), turned as their EXIF orientation says; broken
 * files are refused naming the field.
 */
class ImageDecoderTest {
    static final ImageDecoder decoder = new ImageDecoder(IntakeLimits.defaults(), false);
    static final ImageDecoder keeping = new ImageDecoder(IntakeLimits.defaults(), true);

    @AfterAll
    static void close() {
        decoder.close();
        keeping.close();
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ImageDecoderTest.class.getResourceAsStream("/media-references/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource media-references/" + name);
            }
            return in.readAllBytes();
        }
    }

    /** A binary PPM (P6, maxval 255) as {width, height, rgb}. */
    record Ppm(int width, int height, byte[] rgb) {
        static Ppm parse(byte[] b) {
            String head = new String(b, 0, Math.min(b.length, 64), StandardCharsets.US_ASCII);
            String[] t = head.split("\\s+", 5);
            int w = Integer.parseInt(t[1]);
            int h = Integer.parseInt(t[2]);
            int start = b.length - w * h * 3;
            return new Ppm(w, h, Arrays.copyOfRange(b, start, b.length));
        }
    }

    /** A frame as intake checks it and a read decodes it. */
    record Decoded(ImageDecoder.Checked checked, byte[] rgb) {
        int width() {
            return checked.width();
        }

        OrientationReport orientation() {
            return checked.orientation();
        }
    }

    static Decoded decode(ImageDecoder d, byte[] file) {
        ImageDecoder.Checked c = d.check("frame[0]", null, file, 0, 0);
        return new Decoded(c, d.decode("frame[0]", c.kind(), file, c.turn(), c.width(), c.height()));
    }

    static int maxDiff(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        int m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((a[i] & 0xff) - (b[i] & 0xff)));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"baseline-420", "baseline-422", "baseline-444", "progressive-420", "progressive-444",
            "greyscale", "greyscale-progressive", "cmyk-adobe", "ycck-adobe", "icc-tagged", "restart-markers",
            "restart-markers-progressive"})
    void jpegVariantsDecodeAsFfmpegDoes(String name) throws Exception {
        byte[] jpeg = resource(name + ".jpg");
        Ppm ref = Ppm.parse(resource(name + ".ppm"));
        Decoded r = decode(decoder, jpeg);
        assertEquals(ref.width(), r.width());
        assertEquals(ref.height(), r.checked().height());
        int diff = maxDiff(ref.rgb(), r.rgb());
        assertTrue(diff <= 2, name + ": differs from FFmpeg's decode by up to " + diff + " levels");
        assertEquals(Orientation.NONE, r.orientation().declared());
    }

    // ---- orientation ----------------------------------------------------------------------------

    /** A TIFF/EXIF block with one IFD0 entry: Orientation (0x0112, SHORT) = value; big-endian ("MM"). */
    static byte[] exif(int value) {
        ByteBuffer t = ByteBuffer.allocate(26);
        t.put(new byte[] {'M', 'M', 0, 42}).putInt(8).putShort((short) 1)
                .putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) value).putShort((short) 0)
                .putInt(0);
        return t.array();
    }

    /** The JPEG with an APP1 Exif segment carrying the orientation, right after SOI. */
    static byte[] withExif(byte[] jpeg, int value) {
        return ExifOrientationTest.jpegWithApp1(jpeg, exif(value));
    }

    /** The PNG with an eXIf chunk carrying the orientation, right after IHDR. */
    static byte[] withExifChunk(byte[] png, int value) {
        return ExifOrientationTest.pngWithExif(png, exif(value));
    }

    @Test
    void everyExifOrientationIsAppliedToJpegAndPng() throws Exception {
        byte[] jpeg = resource("baseline-444.jpg");
        Ppm ref = Ppm.parse(resource("baseline-444.ppm"));
        byte[] png = png(ref);
        for (int v = 1; v <= 8; v++) {
            Orientation want = Orientation.fromExif(v);
            byte[] expected = want.apply(ref.rgb(), ref.width(), ref.height());
            int w = want.displayedWidth(ref.width(), ref.height());
            for (byte[] file : List.of(withExif(jpeg, v), withExifChunk(png, v))) {
                Decoded r = decode(decoder, file);
                assertEquals(want, r.orientation().declared(), "EXIF " + v);
                assertEquals(v != 1, r.orientation().applied(), "EXIF " + v);
                assertEquals(w, r.width(), "EXIF " + v);
                int d = maxDiff(expected, r.rgb());
                assertTrue(d <= 2, "EXIF " + v + " pixels not turned as declared (" + (file[0] == (byte) 0xFF ? "JPEG" : "PNG")
                        + ", up to " + d + " levels off)");
                if (v != 1) {
                    assertEquals("EXIF orientation", r.orientation().source());
                }
                // Kept as stored on request, and still reported.
                Decoded k = decode(keeping, file);
                assertEquals(ref.width(), k.width());
                assertTrue(maxDiff(ref.rgb(), k.rgb()) <= 2);
                assertEquals(want, k.orientation().declared());
                assertTrue(!k.orientation().applied());
            }
        }
    }

    /** Reads from several threads at once each decode with their own decoder and give the same pixels. */
    @Test
    void concurrentDecodesAgree() throws Exception {
        byte[] file = withExif(resource("baseline-420.jpg"), 6);
        Decoded once = decode(decoder, file);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<byte[]>> again = new java.util.ArrayList<>();
            for (int i = 0; i < 32; i++) {
                again.add(pool.submit(() -> decoder.decode("frame[0]", ImageDecoder.Kind.JPEG, file,
                        once.checked().turn(), once.width(), once.checked().height())));
            }
            for (java.util.concurrent.Future<byte[]> f : again) {
                assertEquals(0, maxDiff(once.rgb(), f.get()));
            }
        } finally {
            pool.shutdown();
        }
    }

    static byte[] png(Ppm p) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(ImageDecoder.toImage(p.rgb(), p.width(), p.height()), "png", b);
        return b.toByteArray();
    }

    // ---- broken files -----------------------------------------------------------------------------

    private static StatusRuntimeException refused(byte[] file) {
        return assertThrows(StatusRuntimeException.class, () -> decoder.check("frame[7]", null, file, 0, 0));
    }

    @Test
    void truncatedAndCorruptFilesAreRefusedNamingTheField() throws Exception {
        byte[] jpeg = resource("progressive-420.jpg");
        byte[] png = png(Ppm.parse(resource("baseline-420.ppm")));
        byte[] badCrc = png.clone();
        badCrc[8 + 12 + 13 + 12] ^= 0x55; // a byte inside the first chunk after IHDR (IDAT data)
        for (byte[] bad : List.of(Arrays.copyOf(jpeg, jpeg.length / 2), Arrays.copyOf(jpeg, jpeg.length - 2),
                Arrays.copyOf(png, png.length / 2), Arrays.copyOf(png, png.length - 12), badCrc,
                Arrays.copyOf(jpeg, 3))) {
            StatusRuntimeException e = refused(bad);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().getDescription());
            assertTrue(e.getStatus().getDescription().startsWith("frame[7].data: corrupt "),
                    e.getStatus().getDescription());
        }
    }

    /**
     * Intake checks structure, not pixels: a JPEG whose scan data is corrupt is accepted, and the read
     * that decodes it fails naming the frame.
     */
    @Test
    void corruptScanDataIsAcceptedThenRefusedWhenDecoded() throws Exception {
        byte[] bad = CorruptJpeg.damageScan(resource("baseline-420.jpg"));
        ImageDecoder.Checked c = decoder.check("frame[7]", null, bad, 0, 0);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> decoder.decode("frame[7]", c.kind(), bad, c.turn(), c.width(), c.height()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("frame[7].data: corrupt JPEG: cannot decode"),
                e.getStatus().getDescription());
    }

    /** Offset of the first frame header (SOFn) marker's 0xFF, walking the segments before the scan. */
    static int startOfFrame(byte[] jpeg) {
        int i = 2;
        while (true) {
            int marker = jpeg[i + 1] & 0xff;
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                return i;
            }
            i += 2 + (((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff));
        }
    }

    /**
     * FFmpeg does not decode arithmetic coding (SOF9-SOF11, SOF13-SOF15): such a file is not corrupt, and
     * the client is told what to do instead.
     */
    @Test
    void arithmeticCodedJpegIsRefusedAsUnsupportedNotCorrupt() throws Exception {
        byte[] jpeg = resource("baseline-420.jpg");
        int sof = startOfFrame(jpeg);
        for (int marker : new int[] {0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}) {
            byte[] arithmetic = jpeg.clone();
            arithmetic[sof + 1] = (byte) marker;
            StatusRuntimeException e = refused(arithmetic);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().getDescription());
            assertEquals("frame[7].data: arithmetic-coded JPEG (SOF" + (marker - 0xC0) + ", marker 0xFF"
                    + Integer.toHexString(marker).toUpperCase() + ") is not supported; re-encode with Huffman coding",
                    e.getStatus().getDescription());
        }
    }

    /** Markers are named with both hex digits: 0xFF00, not 0xFF0. */
    @Test
    void segmentMarkersAreWrittenWithTwoHexDigits() {
        for (int marker : new int[] {0x00, 0x02, 0xE1}) {
            byte[] file = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) marker, 0, 1, (byte) 0xFF, (byte) 0xD9};
            String m = refused(file).getStatus().getDescription();
            assertTrue(m.startsWith(String.format("frame[7].data: corrupt JPEG: segment 0xFF%02X at byte 2 declares "
                    + "length 1", marker)), m);
        }
    }

    @Test
    void portraitFramesFitTheLandscapeLimits() throws Exception {
        IntakeLimits small = new IntakeLimits(1 << 20, 67, 45, 10, 10, 1 << 20, 1 << 20);
        byte[] file = withExif(resource("baseline-420.jpg"), 6); // displays 45x67
        try (ImageDecoder d = new ImageDecoder(small, false)) {
            assertEquals(45, d.check("frame[0]", null, file, 0, 0).width());
        }
        IntakeLimits tiny = new IntakeLimits(1 << 20, 60, 45, 10, 10, 1 << 20, 1 << 20);
        try (ImageDecoder d = new ImageDecoder(tiny, false)) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> d.check("frame[0]", null, file, 0, 0));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("frame[0].width: frame width 67 exceeds the limit "
                    + "refseg.limits.max-width = 60"), e.getStatus().getDescription());
        }
    }
}
