package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Intake reads the EXIF orientation without decoding, and must read what FFmpeg's decoders apply: the
 * rules one by one, then the same files through FFmpeg (mjpeg and png decoders of the bundled build),
 * including hundreds of damaged EXIF blocks.
 */
class ExifOrientationTest {
    static final StillImageDecoder ffmpeg = new StillImageDecoder(1 << 24);

    @AfterAll
    static void close() {
        ffmpeg.close();
    }

    /** A TIFF block writer: entries of IFD0, values laid out after it. */
    static final class Tiff {
        final ByteBuffer b = ByteBuffer.allocate(512);

        Tiff(boolean littleEndian) {
            b.order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            b.put(littleEndian ? new byte[] {'I', 'I', 42, 0} : new byte[] {'M', 'M', 0, 42}).putInt(8);
        }

        Tiff ifd(int... entries) {
            b.putShort((short) (entries.length / 4));
            for (int i = 0; i < entries.length; i += 4) {
                b.putShort((short) entries[i]).putShort((short) entries[i + 1]).putInt(entries[i + 2]);
                if (entries[i + 1] == 3 && entries[i + 2] <= 2) {
                    b.putShort((short) entries[i + 3]).putShort((short) 0); // SHORT values sit left-justified
                } else {
                    b.putInt(entries[i + 3]);
                }
            }
            return this;
        }

        Tiff next(int offset) {
            b.putInt(offset);
            return this;
        }

        Tiff bytes(byte... more) {
            b.put(more);
            return this;
        }

        byte[] build() {
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    static Tiff tiff(boolean littleEndian) {
        return new Tiff(littleEndian);
    }

    static int read(byte[] block) throws ExifOrientation.Invalid {
        return ExifOrientation.read(block, 0, block.length);
    }

    @Test
    void everyValueInBothByteOrders() throws Exception {
        for (boolean le : new boolean[] {false, true}) {
            for (int v = 0; v <= 9; v++) {
                assertEquals(v, read(tiff(le).ifd(0x0112, 3, 1, v).next(0).build()), "value " + v + ", le " + le);
            }
        }
    }

    @Test
    void onlyTheFirstShortOrientationOfIfd0Counts() throws Exception {
        assertEquals(0, read(tiff(false).ifd(0x0112, 4, 1, 6).next(0).build()), "LONG");
        assertEquals(0, read(tiff(false).ifd(0x0112, 1, 1, 6).next(0).build()), "BYTE");
        assertEquals(0, read(tiff(false).ifd(0x0112, 3, 0, 6).next(0).build()), "no value");
        assertEquals(3, read(tiff(false).ifd(0x0112, 3, 1, 3, 0x0112, 3, 1, 6).next(0).build()), "first of two");
        assertEquals(6, read(tiff(false).ifd(0x0112, 4, 1, 3, 0x0112, 3, 1, 6).next(0).build()), "first SHORT");
        assertEquals(0, read(tiff(false).ifd(0x0112, 3, 1, 0, 0x0112, 3, 1, 6).next(0).build()), "first is 0");
        // In the Exif sub-IFD only: not IFD0's.
        assertEquals(0, read(tiff(false).ifd(0x8769, 4, 1, 26).next(0).ifd(0x0112, 3, 1, 6).next(0).build()));
        // In IFD1 (the thumbnail's): not IFD0's.
        assertEquals(0, read(tiff(false).ifd(0x0100, 4, 1, 64).next(26).ifd(0x0112, 3, 1, 6).next(0).build()));
    }

    @Test
    void aBlockThatDoesNotReadWholeIsInvalid() {
        List<byte[]> broken = List.of(
                new byte[0],
                Arrays.copyOf(tiff(false).ifd(0x0112, 3, 1, 6).next(0).build(), 7),
                "Exif\0\0MM\0*\0\0\0\b".getBytes(StandardCharsets.ISO_8859_1),           // an "Exif" prefix
                tiff(false).build(),                                                          // IFD0 off the end
                Arrays.copyOf(tiff(false).ifd(0x0112, 3, 1, 6).next(0).build(), 20),         // entry cut
                tiff(false).ifd(0x0112, 3, 1, 6, 0x0100, 14, 1, 0).next(0).build(),           // type 14
                tiff(false).ifd(0x0112, 3, 1, 6, 0x011A, 5, 1, 1000).next(0).build(),         // value off the end
                tiff(false).ifd(0x0112, 3, 1, 6, 0x0100, 1, 0x0FFFFFFF, 0).next(0).build(),   // count too big
                tiff(false).ifd(0x0112, 3, 1, 6).next(0x80000000).build(),                    // next IFD past 2 GB
                tiff(false).ifd(0x0112, 3, 1, 6, 0x8769, 4, 1, 200).next(0).build(),          // Exif IFD off the end
                tiff(false).ifd(0x0112, 3, 1, 6, 0x927C, 7, 500, 30).next(0).build());        // MakerNote overruns
        for (int i = 0; i < broken.size(); i++) {
            byte[] b = broken.get(i);
            assertThrows(ExifOrientation.Invalid.class, () -> read(b), "case " + i);
        }
    }

    @Test
    void whatIsSkippedOrIgnored() throws Exception {
        assertEquals(6, read(tiff(false).ifd(0x0100, 0, 1000, 99999, 0x0112, 3, 1, 6).next(0).build()), "type 0");
        assertEquals(6, read(tiff(false).ifd(0x0112, 3, 1, 6, 0x8769, 4, 1, 0).next(0).build()), "no Exif IFD");
        assertEquals(6, read(tiff(false).ifd(0x0112, 3, 1, 6).next(100).build()), "next IFD off the end");
        assertEquals(6, read(tiff(false).ifd(0x0112, 3, 1, 6).build()), "no next-IFD pointer");
        assertEquals(6, read(tiff(false).ifd(0x0112, 3, 1, 6, 0x927C, 7, 0, 0).next(0).build()), "empty MakerNote");
        assertEquals(6, read(tiff(false).ifd(0x0112, 3, 1, 6, 0x011A, 5, 1, 38).next(0).bytes(new byte[] {0, 0, 0, 72, 0, 0, 0, 1})
                .build()), "a RATIONAL in range");
    }

    // ---- the same files through FFmpeg ----------------------------------------------------------

    /** A camera-like block: IFD0 with out-of-line values, an Exif IFD, a GPS IFD and IFD1. */
    static byte[] cameraLike(boolean le, int orientation) {
        Tiff t = tiff(le);
        // IFD0 at 8: 6 entries (2 + 72 + 4 = 78 bytes) -> values from 86.
        t.ifd(0x010F, 2, 8, 86, 0x011A, 5, 1, 94, 0x0112, 3, 1, orientation, 0x0131, 2, 4, 0x41424300,
                0x8769, 4, 1, 102, 0x8825, 4, 1, 132).next(150);
        t.bytes("CameraX\0".getBytes(StandardCharsets.ISO_8859_1)); // 86
        t.b.putInt(72).putInt(1);                                    // 94
        t.ifd(0x9000, 7, 4, 0x30323330, 0x9003, 2, 4, 0x32303234).next(0); // 102: 2 + 24 + 4 = 30 -> 132
        t.ifd(0x0000, 1, 4, 0x02020000).next(0);                     // 132: GPS version, 18 bytes -> 150
        t.ifd(0x0103, 3, 1, 6, 0x0112, 3, 1, 3).next(0);             // 150: IFD1 (thumbnail)
        return t.build();
    }

    static byte[] jpegWithApp1(byte[] jpeg, byte[]... blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        for (byte[] block : blocks) {
            int len = 2 + 6 + block.length;
            out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len}, 0, 4);
            out.writeBytes("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(block);
        }
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    static byte[] pngWithExif(byte[] png, byte[]... blocks) {
        int ihdrEnd = 8 + 12 + 13;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, ihdrEnd);
        for (byte[] block : blocks) {
            ByteBuffer chunk = ByteBuffer.allocate(12 + block.length);
            chunk.putInt(block.length).put("eXIf".getBytes(StandardCharsets.ISO_8859_1)).put(block);
            CRC32 crc = new CRC32();
            crc.update(chunk.array(), 4, 4 + block.length);
            out.writeBytes(chunk.putInt((int) crc.getValue()).array());
        }
        out.write(png, ihdrEnd, png.length - ihdrEnd);
        return out.toByteArray();
    }

    /** What intake makes of the file: its declared turn, or "refused" when its structure is refused. */
    static String intake(ImageDecoder.Kind kind, byte[] file) {
        try {
            return ImageHeader.read(kind, file).declared().toString();
        } catch (ImageHeader.Malformed e) {
            return "refused";
        }
    }

    /** What FFmpeg makes of it: the turn it exports, or "refused" when it does not decode the file. */
    static String ffmpeg(ImageDecoder.Kind kind, byte[] file) {
        try {
            return ffmpeg.decode(kind, file).declared().toString();
        } catch (FfmpegInput.FfmpegException e) {
            return "refused";
        }
    }

    static void assertAgree(ImageDecoder.Kind kind, byte[] file, String what) {
        assertEquals(ffmpeg(kind, file), intake(kind, file), what);
    }

    @Test
    void agreesWithFfmpegOnWellFormedBlocks() throws Exception {
        byte[] jpeg = ImageDecoderTest.resource("baseline-420.jpg");
        byte[] png = ImageDecoderTest.png(ImageDecoderTest.Ppm.parse(ImageDecoderTest.resource("baseline-420.ppm")));
        for (boolean le : new boolean[] {false, true}) {
            for (int v = 0; v <= 9; v++) {
                byte[] block = cameraLike(le, v);
                assertAgree(ImageDecoder.Kind.JPEG, jpegWithApp1(jpeg, block), "JPEG, value " + v + ", le " + le);
                assertAgree(ImageDecoder.Kind.PNG, pngWithExif(png, block), "PNG, value " + v + ", le " + le);
            }
        }
        assertEquals(new Orientation(90, false).toString(), intake(ImageDecoder.Kind.JPEG,
                jpegWithApp1(jpeg, cameraLike(true, 6))));
        // Several blocks: a JPEG takes the first that reads whole, a PNG its last eXIf chunk.
        byte[] six = cameraLike(false, 6);
        byte[] three = cameraLike(true, 3);
        byte[] bad = Arrays.copyOf(six, 30);
        byte[] none = tiff(false).ifd(0x0100, 3, 1, 64).next(0).build();
        for (byte[][] blocks : new byte[][][] {{six, three}, {bad, three}, {six, bad}, {none, six}, {new byte[0], six}}) {
            String what = "blocks of " + Arrays.stream(blocks).mapToInt(b -> b.length).boxed().toList() + " bytes";
            assertAgree(ImageDecoder.Kind.JPEG, jpegWithApp1(jpeg, blocks), "JPEG, " + what);
            assertAgree(ImageDecoder.Kind.PNG, pngWithExif(png, blocks), "PNG, " + what);
        }
    }

    /**
     * Damaged blocks (random bytes changed, or cut short) give the same orientation as FFmpeg's, and a
     * PNG is refused exactly when FFmpeg refuses it.
     */
    @Test
    void agreesWithFfmpegOnDamagedBlocks() throws Exception {
        byte[] jpeg = ImageDecoderTest.resource("baseline-420.jpg");
        byte[] png = ImageDecoderTest.png(ImageDecoderTest.Ppm.parse(ImageDecoderTest.resource("baseline-420.ppm")));
        SplittableRandom rnd = new SplittableRandom(20261130L);
        List<String> disagreements = new ArrayList<>();
        int turned = 0;
        int refused = 0;
        for (int c = 0; c < 600; c++) {
            byte[] block = cameraLike(rnd.nextBoolean(), 1 + rnd.nextInt(8));
            if (rnd.nextInt(4) == 0) {
                block = Arrays.copyOf(block, rnd.nextInt(block.length));
            } else {
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    // Mostly in the structure (header, IFD0, pointers), where damage matters.
                    int at = rnd.nextInt(rnd.nextBoolean() ? 86 : block.length);
                    block[at] = (byte) (rnd.nextInt(3) == 0 ? 0xFF : rnd.nextInt(256));
                }
            }
            for (ImageDecoder.Kind kind : new ImageDecoder.Kind[] {ImageDecoder.Kind.JPEG, ImageDecoder.Kind.PNG}) {
                byte[] file = kind == ImageDecoder.Kind.JPEG ? jpegWithApp1(jpeg, block) : pngWithExif(png, block);
                String ours = intake(kind, file);
                String theirs = ffmpeg(kind, file);
                if (!ours.equals(theirs)) {
                    disagreements.add(kind + " case " + c + ": intake " + ours + ", FFmpeg " + theirs);
                }
                turned += theirs.equals(Orientation.NONE.toString()) || theirs.equals("refused") ? 0 : 1;
                refused += theirs.equals("refused") ? 1 : 0;
            }
        }
        assertTrue(disagreements.isEmpty(), disagreements.size() + " disagreements: "
                + disagreements.subList(0, Math.min(10, disagreements.size())));
        assertTrue(turned > 100 && refused > 100, "the cases should cover both outcomes: " + turned + " turned, "
                + refused + " refused");
    }
}
