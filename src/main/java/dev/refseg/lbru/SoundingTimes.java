package dev.refseg.lbru;

import dev.refseg.v1.AudioLabel;
import dev.refseg.v1.AudioWindow;
import dev.refseg.v1.TimeSpan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Who sounds when (design.md "several sounding objects", issue 11): the audio is tagged in consecutive
 * windows (1 s by default); a category sounds in the windows where one of its labels scores at least
 * the threshold. The reference decides this with LanguageBind over pre-computed segments (method.md
 * §2.4) that are not published; the tagger's own window scores need no second model. A category the
 * LLM gave no known label for sounds wherever anything was heard.
 */
public final class SoundingTimes {
    private final List<AudioWindow> windows;
    private final float threshold;

    /**
     * @param windows   the tagger's windows in time order (AudioLabels.windows)
     * @param threshold least label score, in [0, 1], for a window to count as sounding
     */
    public SoundingTimes(List<AudioWindow> windows, float threshold) {
        this.windows = List.copyOf(windows);
        this.threshold = threshold;
    }

    /** Per window, whether one of {@code labels} (display names, any case) scores at least the threshold there. */
    public boolean[] active(Collection<String> labels) {
        boolean[] on = new boolean[windows.size()];
        for (int w = 0; w < on.length; w++) {
            on[w] = sounds(windows.get(w), labels, threshold);
        }
        return on;
    }

    /**
     * Whether one of {@code labels} (display names, any case; empty = any label) scores at least
     * {@code threshold} in the window.
     */
    public static boolean sounds(AudioWindow window, Collection<String> labels, float threshold) {
        for (AudioLabel l : window.getLabelsList()) {
            if (l.getScore() >= threshold && (labels.isEmpty() || contains(labels, l.getName()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(Collection<String> labels, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return labels.stream().anyMatch(l -> l.toLowerCase(Locale.ROOT).equals(n));
    }

    /** The sounding windows merged into spans, in seconds. */
    public List<TimeSpan> spans(boolean[] active) {
        List<TimeSpan> out = new ArrayList<>();
        for (int w = 0; w < active.length; w++) {
            if (!active[w]) {
                continue;
            }
            int end = w;
            while (end + 1 < active.length && active[end + 1]) {
                end++;
            }
            out.add(TimeSpan.newBuilder().setStartSeconds(windows.get(w).getStartSeconds())
                    .setEndSeconds(windows.get(end).getEndSeconds()).build());
            w = end;
        }
        return out;
    }

    /**
     * The window holding the instant {@code seconds} from the start of the audio, or -1 before the audio
     * or after its end (a frame there hears nothing).
     */
    public int windowAt(double seconds) {
        for (int w = 0; w < windows.size(); w++) {
            AudioWindow win = windows.get(w);
            if (seconds >= win.getStartSeconds() && seconds < win.getEndSeconds()) {
                return w;
            }
        }
        return -1;
    }

    public int size() {
        return windows.size();
    }
}
