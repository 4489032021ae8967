package dev.refseg.sam2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;
import org.junit.jupiter.api.Test;

class Sam2ImageTest {
    @Test
    void boxCornersGoTo1024Space() {
        // x * 1024 / W and y * 1024 / H, whatever the aspect ratio.
        assertArrayEquals(new float[] {102.4f, 102.4f, 204.8f, 204.8f},
                Sam2Image.boxPoints(new PixelBox(32, 24, 64, 48), 320, 240), 1e-4f);
    }

    @Test
    void preprocessNormalisesWithImageNetStatistics() {
        byte[] rgb = new byte[4 * 2 * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 255;
            rgb[i + 1] = (byte) 128;
            rgb[i + 2] = 0;
        }
        float[] x = Sam2Image.preprocess(rgb, 4, 2, null);
        int plane = 1024 * 1024;
        assertEquals((1 - 0.485f) / 0.229f, x[5], 1e-5);
        assertEquals((128 / 255f - 0.456f) / 0.224f, x[plane + 777], 1e-5);
        assertEquals(-0.406f / 0.225f, x[2 * plane + plane - 1], 1e-5);
    }

    @Test
    void logitsUpscaleBilinearlyToTheFrameAndThresholdAtZero() {
        // Left half positive: on a 512-wide frame the boundary stays exactly in the middle.
        float[] logits = new float[256 * 256];
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                logits[y * 256 + x] = x < 128 ? 1 : -1;
            }
        }
        BinaryMask m = Sam2Image.upscale(logits, 512, 10);
        assertEquals(new PixelBox(0, 0, 256, 10), PixelBox.of(m));
        // Half-pixel centres: output column 255 samples source 127.25 (positive), column 256 samples 127.75:
        // 1 * 0.25 + (-1) * 0.75 < 0.
        assertEquals(true, m.get(0, 255));
        assertEquals(false, m.get(0, 256));
    }

    @Test
    void maskForMemoryIsBinarisedAtPlusMinusTen() {
        BinaryMask m = new PixelBox(0, 0, 2, 4).toMask(4, 4);
        float[] mem = Sam2Image.maskForMemory(m);
        assertEquals(10f, mem[0]);
        assertEquals(-10f, mem[1023]);
        assertEquals(10f, mem[1023 * 1024 + 511]);
    }
}
