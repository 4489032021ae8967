package dev.refseg.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.config.RefsegConfig;
import org.junit.jupiter.api.Test;

/** The server's selection defaults are checked at start: out of range stops it, naming the key. */
class SelectionParamsTest {
    /** The documented defaults, with one setting changed by the overriding subclass. */
    static class Defaults implements RefsegConfig.Selection {
        public int windowFrames() {
            return 50;
        }

        public int framesPerWindow() {
            return 5;
        }

        public int frameStep() {
            return 10;
        }

        public float boxThreshold() {
            return 0.25f;
        }

        public float textThreshold() {
            return 0.2f;
        }

        public int maxCandidates() {
            return 3;
        }

        public float fallbackBoxThreshold() {
            return 0.001f;
        }

        public float fallbackTextThreshold() {
            return 0.1f;
        }

        public int maxObjects() {
            return 3;
        }

        public float lastResortMinScore() {
            return 0.1f;
        }
    }

    static void assertRefused(RefsegConfig.Selection d, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SelectionParams.checkDefaults(d));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void theDocumentedDefaultsPass() {
        SelectionParams.checkDefaults(new Defaults());
        assertEquals(0.1f, SelectionParams.DEFAULT_LAST_RESORT_MIN_SCORE);
    }

    @Test
    void aDefaultOutOfRangeIsRefusedNotClamped() {
        // Once silently cut to 6 in every call.
        assertRefused(new Defaults() {
            @Override
            public int maxCandidates() {
                return 8;
            }
        }, "refseg.selection.max-candidates", "[1, 6]", "got 8");
        assertRefused(new Defaults() {
            @Override
            public float lastResortMinScore() {
                return Float.NaN;
            }
        }, "refseg.selection.last-resort-min-score", "NaN");
        assertRefused(new Defaults() {
            @Override
            public int frameStep() {
                return 20;
            }
        }, "refseg.selection.frames-per-window / frame-step / window-frames", "span 81 frames", "only 3 would be shown");
    }
}
