package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A live stream's frame store: forgotten frames free their index entries and, past a size, their disk. */
class FrameStoreForgetTest {
    @TempDir
    Path dir;

    private static byte[] pixels(int i, int bytes) {
        byte[] rgb = new byte[bytes];
        new SplittableRandom(i).nextBytes(rgb); // incompressible: the file grows by the frame size
        return rgb;
    }

    @Test
    void heapIndexAndScratchFileStayBoundedWhileKeptFramesStillRead() throws Exception {
        int w = 16;
        int h = 12;
        int keep = 40;
        try (ImageDecoder images = new ImageDecoder(IntakeLimits.defaults(), false);
                FrameStore store = new FrameStore(dir, images)) {
            store.setCompactAtBytes(64 << 10);
            long maxFile = 0;
            for (int i = 0; i < 5000; i++) {
                store.addRgb(new DecodedFrame(i, i * 40_000L, w, h, pixels(i, w * h * 3)));
                store.forgetBefore(i + 1 - keep);
                assertTrue(store.indexEntries() <= keep + 256 + Math.max(256, keep), "index " + store.indexEntries());
                maxFile = Math.max(maxFile, fileBytes());
            }
            assertEquals(keep, store.held());
            assertTrue(maxFile < (64 << 10) + 2L * keep * w * h * 3 + 4096, "scratch file grew to " + maxFile);
            for (int i = 5000 - keep; i < 5000; i++) {
                DecodedFrame f = store.get(i);
                assertArrayEquals(pixels(i, w * h * 3), f.rgb(), "frame " + i);
                assertEquals(i * 40_000L, store.timestampUs(i));
            }
            IndexOutOfBoundsException gone = assertThrows(IndexOutOfBoundsException.class, () -> store.get(10));
            assertTrue(gone.getMessage().contains("forgotten"), gone.getMessage());
        }
    }

    private long fileBytes() throws Exception {
        try (var files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
