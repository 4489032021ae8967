package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/** Adam7-interlaced PNGs (found refused in the field: swscale would not convert a picture flagged interlaced). */
class PngVariantsTest {
    static final int W = 37;
    static final int H = 29;

    static byte[] rgb() {
        byte[] px = new byte[W * H * 3];
        new Random(3).nextBytes(px);
        return px;
    }

    /** ImageIO's PNG writer in progressive mode writes Adam7. */
    static byte[] interlaced(byte[] px) throws Exception {
        ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            w.setOutput(ios);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            w.write(null, new IIOImage(ImageDecoder.toImage(px, W, H), null, null), p);
        } finally {
            w.dispose();
        }
        byte[] file = out.toByteArray();
        assertEquals(1, file[8 + 8 + 12], "IHDR interlace method is Adam7");
        return file;
    }

    @Test
    void adam7InterlacedDecodesToItsPixels() throws Exception {
        byte[] px = rgb();
        try (ImageDecoder images = new ImageDecoder(IntakeLimits.defaults(), false)) {
            byte[] file = interlaced(px);
            ImageDecoder.Checked c = images.check("frame[0]", null, file, 0, 0);
            byte[] out = images.decode("frame[0]", c.kind(), file, c.turn(), c.width(), c.height());
            assertTrue(java.util.Arrays.equals(px, out), "lossless: the same pixels");
        }
    }
}
