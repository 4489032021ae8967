package dev.refseg.keyselect;

import java.util.List;

/**
 * The colours candidate boxes are drawn in, in order, with the words prompts use for them. Kept apart
 * from the renderer so the gateway (which writes prompts but never draws) needs no AWT.
 */
public final class BoxColours {
    public static final List<String> NAMES = List.of("green", "magenta", "orange", "blue", "red", "yellow");
    /** RGB of each, same order. */
    static final int[] RGB = {0x00C800, 0xE600E6, 0xFF8C00, 0x1E5AFF, 0xE60000, 0xF0DC00};

    private BoxColours() {
    }
}
