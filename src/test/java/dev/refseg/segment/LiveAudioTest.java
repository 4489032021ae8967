package dev.refseg.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.refseg.inference.MediaSession;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.v1.AudioLabel;
import dev.refseg.v1.AudioLabels;
import dev.refseg.v1.AudioWindow;
import dev.refseg.v1.Box;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.PassDirection;
import dev.refseg.v1.TagAudio;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who sounds when on a live stream, with no model: a session whose live tag_audio answers the windows a
 * test queues, and no audio wait, so a frame whose second has not come is late at once.
 */
class LiveAudioTest {
    static final AudioParams PARAMS = new AudioParams(5, 0.3f, 1.0, 0.3f, 5, 0.25f, 0.25f, 3, 1, false, false);
    /** What the session's next live tag_audio answers, in order; empty: nothing new. */
    final ArrayDeque<AudioLabels> answers = new ArrayDeque<>();
    int takes;

    final MediaSession media = (MediaSession) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {MediaSession.class}, (proxy, method, args) -> {
                if (!method.getName().equals("tagAudio") || !((TagAudio) args[0]).getLive()) {
                    throw new UnsupportedOperationException(method.getName());
                }
                takes++;
                return answers.isEmpty() ? AudioLabels.getDefaultInstance() : answers.poll();
            });

    static AudioLabels windows(double through, String... labelPerSecond) {
        AudioLabels.Builder a = AudioLabels.newBuilder().setAudioSeconds(through);
        double start = through - labelPerSecond.length;
        for (int i = 0; i < labelPerSecond.length; i++) {
            a.addWindows(AudioWindow.newBuilder().setStartSeconds(start + i).setEndSeconds(start + i + 1)
                    .addLabels(AudioLabel.newBuilder().setName(labelPerSecond[i]).setScore(0.9f)));
        }
        return a.build();
    }

    /** A 4x4 frame at {@code seconds} where object 1 covers the top-left pixel. */
    static MaskFrame frame(double seconds) {
        BinaryMask m = BinaryMask.empty(4, 4);
        m.data()[0] = 1;
        return MaskFrame.newBuilder().setTimestampUs(Math.round(seconds * 1e6)).setDirection(PassDirection.PASS_DIRECTION_LIVE)
                .addObjects(ObjectMask.newBuilder().setObjectId(1).setRle(MaskProtos.rle(m))
                        .setBox(Box.newBuilder().setX2(1).setY2(1)))
                .build();
    }

    static long sounding(MaskFrame f) {
        return MaskProtos.fromRle(f.getSounding(), "sounding").area();
    }

    @Test
    void eachFrameTakesItsSecondAndALateOneIsSaidSo() {
        LiveAudio live = new LiveAudio(media, PARAMS, Duration.ZERO, 600, () -> false);
        live.arrived(1.0);
        answers.add(windows(1.0, "Bell"));
        assertEquals(1, live.firstWindow(TagAudio.newBuilder().setWindowSeconds(1).build(), 0.9).getWindowsCount());
        live.seed(List.of(new LiveAudio.Sounding(1, "red", List.of("Bell"))), 0, 4, 4, false);

        MaskFrame heard = live.apply(frame(0.5));
        assertEquals(false, heard.getAudioLate());
        assertEquals(false, heard.getObjects(0).getSilent());
        assertEquals("red", heard.getObjects(0).getCategory());
        assertEquals(1L, sounding(heard));

        // Second 1 has not come and the wait is 0: late, every object silent, nothing sounding.
        MaskFrame late = live.apply(frame(1.2));
        assertEquals(true, late.getAudioLate());
        assertEquals(true, late.getObjects(0).getSilent());
        assertEquals(0L, sounding(late));

        // It comes (silence there: another label): the next frame of that second uses it, without waiting.
        live.arrived(2.0);
        answers.add(windows(2.0, "Whistle"));
        MaskFrame silent = live.apply(frame(1.6));
        assertEquals(false, silent.getAudioLate());
        assertEquals(true, silent.getObjects(0).getSilent());

        // The end of the input: frames past the end of the audio hear nothing, and are not late.
        live.ended();
        MaskFrame past = live.apply(frame(5.0));
        assertEquals(false, past.getAudioLate());
        assertEquals(true, past.getObjects(0).getSilent());
        assertEquals(0, live.windowsHeld(), "windows before the last live frame are forgotten");
    }

    @Test
    void aFrameWhoseSecondIsTaggedIsNotAskedForAgain() {
        LiveAudio live = new LiveAudio(media, PARAMS, Duration.ZERO, 600, () -> false);
        live.arrived(3.0);
        answers.add(windows(3.0, "Bell", "Bell", "Whistle"));
        live.firstWindow(TagAudio.newBuilder().setWindowSeconds(1).build(), 2.5);
        live.seed(List.of(new LiveAudio.Sounding(1, "red", List.of("Bell"))), 0, 4, 4, false);
        for (int tenth = 0; tenth < 30; tenth++) {
            MaskFrame f = live.apply(frame(tenth / 10.0));
            assertEquals(tenth >= 20, f.getObjects(0).getSilent(), "at " + tenth / 10.0 + " s");
        }
        assertEquals(1, takes, "one take, the first window's");
        assertEquals(1, live.windowsHeld());
    }
}
