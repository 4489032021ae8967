package dev.refseg.lbru;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.CocoRle;
import dev.refseg.mask.EncodedMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.v1.AudioLabel;
import dev.refseg.v1.AudioWindow;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.TimeSpan;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoundingTimesTest {
    private static AudioWindow window(int second, Object... nameScore) {
        AudioWindow.Builder w = AudioWindow.newBuilder().setStartSeconds(second).setEndSeconds(second + 1);
        for (int i = 0; i < nameScore.length; i += 2) {
            w.addLabels(AudioLabel.newBuilder().setName((String) nameScore[i]).setScore((Float) nameScore[i + 1]));
        }
        return w.build();
    }

    private static final List<AudioWindow> WINDOWS = List.of(window(0, "Bell", 0.9f), window(1, "Bell", 0.8f,
            "Whistle", 0.2f), window(2, "Whistle", 0.95f), window(3), window(4, "Bell", 0.4f, "Music", 0.9f));

    @Test
    void aCategorySoundsWhereOneOfItsLabelsPassesTheThreshold() {
        SoundingTimes t = new SoundingTimes(WINDOWS, 0.3f);
        assertArrayEquals(new boolean[] {true, true, false, false, true}, t.active(List.of("bell")));
        assertArrayEquals(new boolean[] {false, false, true, false, false}, t.active(List.of("Whistle")));
        // No known label: wherever anything was heard.
        assertArrayEquals(new boolean[] {true, true, true, false, true}, t.active(List.of()));
        assertEquals(List.of(TimeSpan.newBuilder().setStartSeconds(0).setEndSeconds(2).build(),
                TimeSpan.newBuilder().setStartSeconds(4).setEndSeconds(5).build()), t.spans(t.active(List.of("Bell"))));
        assertEquals(2, t.windowAt(2.5));
        assertEquals(-1, t.windowAt(5.0));
        assertEquals(-1, t.windowAt(-0.1));
    }

    @Test
    void silentObjectsAreEmptiedAndTheUnionOfTheSoundingOnesIsSent() {
        int h = 6;
        int w = 8;
        BinaryMask left = BinaryMask.empty(h, w);
        BinaryMask right = BinaryMask.empty(h, w);
        left.set(1, 1, true);
        left.set(2, 1, true);
        right.set(4, 6, true);
        SoundingTimes t = new SoundingTimes(WINDOWS, 0.3f);
        SoundingMasks masks = new SoundingMasks(List.of(
                new SoundingMasks.Source(1, "red", t.active(List.of("Bell"))),
                new SoundingMasks.Source(2, "blue", t.active(List.of("Whistle")))), t, 1_000_000, w, h, false);
        MaskFrame in = MaskFrame.newBuilder().setFrameIndex(3).addObjects(MaskProtos.objectMask(1, left, 0.9f, true, false))
                .addObjects(MaskProtos.objectMask(2, right, 0.8f, true, false)).build();

        // 0.5 s after frame 0 (second 0): only the bell sounds.
        MaskFrame first = masks.apply(in.toBuilder().setTimestampUs(1_500_000).build());
        ObjectMask red = first.getObjects(0);
        ObjectMask blue = first.getObjects(1);
        assertEquals("red", red.getCategory());
        assertEquals(false, red.getSilent());
        assertEquals(true, blue.getSilent());
        assertEquals(true, blue.getPresent()); // the tracker still sees it
        assertEquals(0, CocoRle.decode(blue.getRle().getCounts(), h, w).area());
        assertEquals(left, CocoRle.decode(first.getSounding().getCounts(), h, w));

        // Second 1 with both made to sound: the union.
        SoundingMasks both = new SoundingMasks(List.of(new SoundingMasks.Source(1, "red", new boolean[] {true, true}),
                new SoundingMasks.Source(2, "blue", new boolean[] {false, true})), t, 0, w, h, false);
        BinaryMask union = CocoRle.decode(both.apply(in.toBuilder().setTimestampUs(1_200_000).build()).getSounding()
                .getCounts(), h, w);
        assertEquals(3, union.area());
        assertEquals(true, union.get(4, 6));
        assertEquals(true, union.get(1, 1));

        // Nothing sounds (second 3): an empty union of the frame's size.
        MaskFrame quiet = masks.apply(in.toBuilder().setTimestampUs(1_000_000 + 3_200_000).build());
        assertEquals(List.of(h, w), quiet.getSounding().getSizeList());
        assertEquals(EncodedMask.empty(h, w).countsString(), quiet.getSounding().getCounts());
    }
}
