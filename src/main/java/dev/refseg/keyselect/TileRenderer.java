package dev.refseg.keyselect;

import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.media.ImageDecoder;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The images the LLM looks at (inference side): frames stacked top to bottom, each scaled to
 * {@link #FRAME_WIDTH} pixels wide (a frame taller than 2:1 to {@link #MAX_BAND_HEIGHT} pixels high
 * instead, centred) with its number (1, 2, ...) in a filled circle at the top-left; for
 * box selection, the candidate boxes drawn on the pivot frame in distinct colours, each with its number
 * in a circle of its colour at the box's bottom-right corner.
 */
public final class TileRenderer {
    public static final int FRAME_WIDTH = 512;
    /**
     * Tallest band a frame gets: a frame taller than 2:1 is scaled to this height instead of to the full
     * width, so that a 1x3840 frame (accepted either way up) does not make a 1966080-row image.
     */
    public static final int MAX_BAND_HEIGHT = 2 * FRAME_WIDTH;
    private static final Color[] BOX_COLOURS = java.util.Arrays.stream(BoxColours.RGB).mapToObj(Color::new)
            .toArray(Color[]::new);
    private static final Color MARKER = new Color(31, 119, 180);

    /** A rendered JPEG and its size. */
    public record Tile(byte[] jpeg, int width, int height) {
    }

    private TileRenderer() {
    }

    public static Tile render(List<DecodedFrame> frames) {
        return renderWithBoxes(frames, -1, List.of());
    }

    /**
     * @param pivotPosition position in {@code frames} of the frame to draw the boxes on (-1: none)
     * @param boxes         in pixels of that frame, numbered 1..n in this order (at most 6)
     */
    public static Tile renderWithBoxes(List<DecodedFrame> frames, int pivotPosition, List<PixelBox> boxes) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames to tile");
        }
        if (boxes.size() > BOX_COLOURS.length) {
            throw new IllegalArgumentException("at most " + BOX_COLOURS.length + " boxes can be drawn");
        }
        DecodedFrame first = frames.get(0);
        // Each side at least one pixel: a 3840x1 frame gets a band one row high, not none.
        int fh = Math.max(1, Math.round((float) FRAME_WIDTH * first.height() / first.width()));
        int fw = FRAME_WIDTH;
        if (fh > MAX_BAND_HEIGHT) {
            fh = MAX_BAND_HEIGHT;
            fw = Math.max(1, Math.round((float) MAX_BAND_HEIGHT * first.width() / first.height()));
        }
        int left = (FRAME_WIDTH - fw) / 2;
        BufferedImage tile = new BufferedImage(FRAME_WIDTH, fh * frames.size(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = tile.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            for (int i = 0; i < frames.size(); i++) {
                DecodedFrame f = frames.get(i);
                int top = i * fh;
                g.drawImage(ImageDecoder.toImage(f.rgb(), f.width(), f.height()), left, top, fw, fh, null);
                if (i == pivotPosition) {
                    float sx = (float) fw / f.width();
                    float sy = (float) fh / f.height();
                    for (int b = 0; b < boxes.size(); b++) {
                        drawBox(g, boxes.get(b), b, sx, sy, left, top);
                    }
                }
                marker(g, String.valueOf(i + 1), 26, top + 26, 20, MARKER, 22);
            }
        } finally {
            g.dispose();
        }
        return new Tile(jpeg(tile), tile.getWidth(), tile.getHeight());
    }

    private static void drawBox(Graphics2D g, PixelBox box, int b, float sx, float sy, int left, int top) {
        int x1 = left + Math.round(box.x1() * sx);
        int y1 = top + Math.round(box.y1() * sy);
        int x2 = left + Math.round(box.x2() * sx);
        int y2 = top + Math.round(box.y2() * sy);
        g.setColor(BOX_COLOURS[b]);
        g.setStroke(new BasicStroke(3));
        g.drawRect(x1, y1, Math.max(1, x2 - x1), Math.max(1, y2 - y1));
        int r = 13;
        marker(g, String.valueOf(b + 1), Math.max(x1 + r, x2 - r - 3), Math.max(y1 + r, y2 - r - 3), r, BOX_COLOURS[b], 16);
    }

    /** A filled circle with a white edge and a white number in its middle. */
    private static void marker(Graphics2D g, String label, int cx, int cy, int r, Color fill, int fontSize) {
        g.setColor(fill);
        g.fillOval(cx - r, cy - r, 2 * r, 2 * r);
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke(2));
        g.drawOval(cx - r, cy - r, 2 * r, 2 * r);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, fontSize));
        FontMetrics fm = g.getFontMetrics();
        g.drawString(label, cx - fm.stringWidth(label) / 2, cy + (fm.getAscent() - fm.getDescent()) / 2);
    }

    private static byte[] jpeg(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
