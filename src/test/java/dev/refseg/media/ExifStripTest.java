package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frame store keeps JPEG/PNG files without their EXIF blocks, so FFmpeg never parses EXIF: a few
 * kilobytes of nested IFDs whose entries all point to the next IFD took FFmpeg's reader minutes per frame.
 */
class ExifStripTest {
    @TempDir
    Path dir;

    /** IFD0 with the orientation and N - 1 pointers to IFD A; A and B: N pointers each to the next; C: N shorts. */
    static byte[] nestedIfds(int n, int orientation) {
        int size = 2 + 12 * n + 4;
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * size);
        b.put(new byte[] {'M', 'M', 0, 42}).putInt(8);
        for (int k = 0; k < 4; k++) {
            int next = 8 + (k + 1) * size;
            b.putShort((short) n);
            for (int e = 0; e < n; e++) {
                if (k == 0 && e == 0) {
                    b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
                } else if (k < 3) {
                    b.putShort((short) 0x8769).putShort((short) 4).putInt(1).putInt(next);
                } else {
                    b.putShort((short) (1 + e)).putShort((short) 3).putInt(1).putShort((short) 1).putShort((short) 0);
                }
            }
            b.putInt(0);
        }
        return b.array();
    }

    @Test
    void craftedExifBlocksCostNeitherUsNorFfmpeg() throws Exception {
        byte[] plain = ImageDecoderTest.resource("baseline-420.jpg");
        byte[] nested = ExifOrientationTest.jpegWithApp1(plain, nestedIfds(8, 6)); // 4,096 entries to visit
        byte[] bomb = ExifOrientationTest.jpegWithApp1(plain, nestedIfds(200, 6));  // 8 million
        byte[] simple = ExifOrientationTest.jpegWithApp1(plain, ImageDecoderTest.exif(6));
        try (ImageDecoder images = new ImageDecoder(IntakeLimits.defaults(), false);
                FrameStore store = new FrameStore(dir, images)) {
            int i = 0;
            for (byte[] file : new byte[][] {simple, nested, plain, bomb}) {
                ImageDecoder.Checked c = images.check("frame[" + i + "]", null, file, 0, 0);
                store.addImage(i, i, c.width(), c.height(), c.kind(), file, c.turn());
                i++;
            }
            assertEquals(Orientation.fromExif(6), images.check("f", null, nested, 0, 0).turn(), "read whole");
            assertEquals(Orientation.NONE, images.check("f", null, bomb, 0, 0).turn(),
                    "past " + ExifOrientation.MAX_VISITS + " entries the block is refused, as one that does not read whole");
            // A hang guard, not a speed measure: FFmpeg's EXIF reader took minutes on a block a quarter this size.
            DecodedFrame turned = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> store.get(1));
            assertArrayEquals(store.get(0).rgb(), turned.rgb(), "turned as the plain EXIF block says");
            DecodedFrame asStored = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> store.get(3));
            assertArrayEquals(store.get(2).rgb(), asStored.rgb(), "not turned, and decoded");
        }
    }

    @Test
    void onlyExifBlocksGo() throws Exception {
        byte[] jpeg = ImageDecoderTest.resource("baseline-420.jpg");
        assertSame(jpeg, ExifStrip.without(ImageDecoder.Kind.JPEG, jpeg), "nothing to strip: the same file");
        byte[] withTwo = ExifOrientationTest.jpegWithApp1(jpeg, ImageDecoderTest.exif(6), nestedIfds(3, 8));
        assertArrayEquals(jpeg, ExifStrip.without(ImageDecoder.Kind.JPEG, withTwo));
        byte[] png = ImageDecoderTest.png(ImageDecoderTest.Ppm.parse(ImageDecoderTest.resource("baseline-444.ppm")));
        assertSame(png, ExifStrip.without(ImageDecoder.Kind.PNG, png));
        assertArrayEquals(png, ExifStrip.without(ImageDecoder.Kind.PNG, ExifOrientationTest.pngWithExif(png,
                ImageDecoderTest.exif(6))));
    }
}
