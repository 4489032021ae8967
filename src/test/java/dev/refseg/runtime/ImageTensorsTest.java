package dev.refseg.runtime;

import dev.refseg.mask.BilinearAxis;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The separable resize gives the plain per-pixel bilinear formula's values to the bit. */
class ImageTensorsTest {
    @ParameterizedTest
    @CsvSource({"320,240,1024,1024", "1280,720,1024,1024", "7,3,1024,1024", "1,1,5,9", "641,479,800,1066",
        "2000,17,33,1000", "3,5,3,5"})
    void sameValuesAsThePlainFormula(int w, int h, int tw, int th) {
        Random r = new Random(w * 31L + h);
        byte[] rgb = new byte[w * h * 3];
        r.nextBytes(rgb);
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        float[] want = plain(rgb, w, h, tw, th, tw, th, mean, std);
        assertArrayEquals(want, ImageTensors.normalizedNchw(rgb, w, h, tw, th, mean, std, (float[]) null));
        // Straight into a direct buffer, as the SAM 2 encoder's input is written.
        java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(4 * want.length + 8)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        java.nio.FloatBuffer written = ImageTensors.normalizedNchw(rgb, w, h, tw, th, mean, std, direct);
        float[] got = new float[written.remaining()];
        written.get(got);
        assertArrayEquals(want, got);
        assertArrayEquals(plain(rgb, w, h, tw, th, tw + 3, th + 2, mean, std),
                ImageTensors.paddedNchw(rgb, w, h, tw, th, tw + 3, th + 2, mean, std));
    }

    /** Every output pixel from its four source pixels, as the formula is written. */
    private static float[] plain(byte[] rgb, int w, int h, int tw, int th, int pw, int ph, float[] mean, float[] std) {
        int[] x0 = new int[tw];
        int[] x1 = new int[tw];
        float[] fx = new float[tw];
        BilinearAxis.fill(w, tw, x0, x1, fx);
        int[] y0 = new int[th];
        int[] y1 = new int[th];
        float[] fy = new float[th];
        BilinearAxis.fill(h, th, y0, y1, fy);
        float[] dst = new float[3 * pw * ph];
        for (int c = 0; c < 3; c++) {
            float scale = 1f / (255f * std[c]);
            float bias = -mean[c] / std[c];
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    int r0 = y0[y] * w * 3;
                    int r1 = y1[y] * w * 3;
                    float top = (rgb[r0 + x0[x] * 3 + c] & 0xff) * (1 - fx[x]) + (rgb[r0 + x1[x] * 3 + c] & 0xff) * fx[x];
                    float bot = (rgb[r1 + x0[x] * 3 + c] & 0xff) * (1 - fx[x]) + (rgb[r1 + x1[x] * 3 + c] & 0xff) * fx[x];
                    dst[c * pw * ph + y * pw + x] = (top * (1 - fy[y]) + bot * fy[y]) * scale + bias;
                }
            }
        }
        return dst;
    }
}
