package dev.refseg.keyselect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class TileRendererTest {
    static final SyntheticClip CLIP = SampleClip.render();

    static DecodedFrame f(int i) {
        return new DecodedFrame(i, 0, CLIP.width(), CLIP.height(), CLIP.frames().get(i));
    }

    static int[] rgb(BufferedImage img, int x, int y) {
        int v = img.getRGB(x, y);
        return new int[] {(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
    }

    @Test
    void framesAreStackedScaledAndNumbered() throws Exception {
        TileRenderer.Tile t = TileRenderer.render(List.of(f(0), f(10), f(20)));
        assertEquals(512, t.width());
        assertEquals(3 * 384, t.height());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(t.jpeg()));
        assertEquals(3 * 384, img.getHeight());
        // Frame 2 (source frame 10) sits in the second band: the green triangle's centre (150, ~160) x 1.6.
        int[] green = rgb(img, 240, 384 + 270);
        assertTrue(green[1] > 150 && green[0] < 100, "green triangle expected, got " + java.util.Arrays.toString(green));
        // Number markers: the blue disc at the top-left of every band.
        for (int band = 0; band < 3; band++) {
            int[] m = rgb(img, 12, band * 384 + 26);
            assertTrue(m[2] > 140 && m[0] < 90, "marker expected in band " + band + ", got " + java.util.Arrays.toString(m));
        }
    }

    @Test
    void boxesAreDrawnOnThePivotOnlyInTheirColours() throws Exception {
        PixelBox red = PixelBox.of(CLIP.truth().get(0).get(0));
        TileRenderer.Tile t = TileRenderer.renderWithBoxes(List.of(f(0), f(10)), 1, List.of(red));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(t.jpeg()));
        // On the pivot band (second), the left edge of box 1 is green; on the first band it is not.
        int x = Math.round(red.x1() * 1.6f);
        int y = Math.round((red.y1() + red.y2()) / 2 * 1.6f);
        int[] edge = rgb(img, x, 384 + y);
        assertTrue(edge[1] > 150 && edge[0] < 90 && edge[2] < 90, "green box edge expected, got "
                + java.util.Arrays.toString(edge));
        int[] plain = rgb(img, x, y);
        assertTrue(!(plain[1] > 150 && plain[0] < 90 && plain[2] < 90), "no box on the first band");
    }

    /**
     * A frame of an extreme aspect ratio (both fit the limits either way up) still makes a tile of a
     * sensible size: a 1x3840 frame scaled to 512 wide would be 1966080 rows tall, past what an image can
     * hold; a 3840x1 frame keeps a band at least one row high.
     */
    @Test
    void extremeAspectRatiosMakeBoundedTiles() throws Exception {
        DecodedFrame tall = new DecodedFrame(0, 0, 1, 3840, new byte[3 * 3840]);
        TileRenderer.Tile t = TileRenderer.renderWithBoxes(List.of(tall, tall), 1, List.of(new PixelBox(0, 100, 1, 200)));
        assertEquals(512, t.width());
        assertEquals(2 * TileRenderer.MAX_BAND_HEIGHT, t.height());
        assertEquals(t.height(), ImageIO.read(new ByteArrayInputStream(t.jpeg())).getHeight());
        DecodedFrame wide = new DecodedFrame(0, 0, 3840, 1, new byte[3 * 3840]);
        TileRenderer.Tile w = TileRenderer.render(List.of(wide, wide, wide));
        assertEquals(512, w.width());
        assertEquals(3, w.height());
    }
}
