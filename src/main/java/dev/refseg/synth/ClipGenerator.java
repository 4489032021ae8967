package dev.refseg.synth;

import dev.refseg.mask.BinaryMask;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generator of short synthetic videos with ground truth. The same seed gives the same clip on
 * every machine: all randomness comes from one {@link SplittableRandom}, and rendering is integer or
 * plain double arithmetic.
 */
public final class ClipGenerator {
    private static final double TONE_AMPLITUDE = 0.25;

    private ClipGenerator() {
    }

    /**
     * A random spec: {@code objects} objects with distinct colours, shapes cycling, random speeds; the
     * first object leaves and re-enters the frame, the others stay inside; depths are all distinct so
     * crossings occlude.
     */
    public static ClipSpec randomSpec(long seed, int width, int height, int frames, int objects, boolean audio) {
        if (objects > Colour.values().length) {
            throw new IllegalArgumentException("at most " + Colour.values().length + " objects");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<ObjectSpec> specs = new ArrayList<>();
        int base = Math.min(width, height);
        for (int i = 0; i < objects; i++) {
            double r = base * (0.08 + 0.06 * rnd.nextDouble());
            boolean leaves = i == 0;
            double margin = leaves ? 3 * r : -r;
            double minX = -margin;
            double maxX = width + margin;
            double minY = r;
            double maxY = height - r;
            double speed = base * (0.015 + 0.02 * rnd.nextDouble());
            double angle = rnd.nextDouble() * 2 * Math.PI;
            specs.add(new ObjectSpec(Shape.values()[i % Shape.values().length], Colour.values()[i],
                    r, r + rnd.nextDouble() * (width - 2 * r), r + rnd.nextDouble() * (height - 2 * r),
                    speed * Math.cos(angle), speed * Math.sin(angle) * 0.6, minX, maxX, minY, maxY, i,
                    audio ? 220.0 * (i + 2) : 0));
        }
        return new ClipSpec(width, height, frames, 10, specs, audio, seed);
    }

    /** One rendered frame: its pixels and each object's visible mask. */
    public record RenderedFrame(byte[] rgb, List<BinaryMask> truth) {
    }

    /**
     * Renders frame {@code f} alone (same pixels as in {@link #render}), so that arbitrarily long clips
     * can be streamed without holding them.
     */
    public static RenderedFrame frame(ClipSpec spec, int f) {
        int w = spec.width();
        int h = spec.height();
        byte[] rgb = background(w, h, new SplittableRandom(spec.seed() ^ 0x5DEECE66DL));
        List<ObjectSpec> byDepth = new ArrayList<>(spec.objects());
        byDepth.sort(Comparator.comparingInt(ObjectSpec::depth));
        int[] owner = new int[w * h];
        java.util.Arrays.fill(owner, -1);
        for (ObjectSpec o : byDepth) {
            paint(o, f, w, h, rgb, owner, spec.objects().indexOf(o));
        }
        addNoise(rgb, new SplittableRandom(spec.seed() * 31 + f));
        List<BinaryMask> truth = new ArrayList<>(spec.objects().size());
        for (int i = 0; i < spec.objects().size(); i++) {
            byte[] m = new byte[w * h];
            for (int p = 0; p < m.length; p++) {
                m[p] = (byte) (owner[p] == i ? 1 : 0);
            }
            truth.add(new BinaryMask(h, w, m));
        }
        return new RenderedFrame(rgb, truth);
    }

    public static SyntheticClip render(ClipSpec spec) {
        int n = spec.objects().size();
        List<byte[]> frames = new ArrayList<>(spec.frames());
        List<List<BinaryMask>> truth = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            truth.add(new ArrayList<>(spec.frames()));
        }
        for (int f = 0; f < spec.frames(); f++) {
            RenderedFrame r = frame(spec, f);
            frames.add(r.rgb());
            for (int i = 0; i < n; i++) {
                truth.get(i).add(r.truth().get(i));
            }
        }
        List<String> referents = spec.objects().stream().map(ObjectSpec::referent).toList();
        return new SyntheticClip(spec, frames, truth, referents, spec.audio() ? audio(spec) : new float[0]);
    }

    private static void paint(ObjectSpec o, int frame, int w, int h, byte[] rgb, int[] owner, int idx) {
        double cx = o.x(frame);
        double cy = o.y(frame);
        double r = o.radius();
        int x0 = Math.max(0, (int) Math.floor(cx - r - 1));
        int x1 = Math.min(w - 1, (int) Math.ceil(cx + r + 1));
        int y0 = Math.max(0, (int) Math.floor(cy - r - 1));
        int y1 = Math.min(h - 1, (int) Math.ceil(cy + r + 1));
        // Shading across the object keeps it from being a flat colour, like a lit surface.
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double dx = x + 0.5 - cx;
                double dy = y + 0.5 - cy;
                if (o.shape().contains(dx, dy, r)) {
                    int p = y * w + x;
                    double shade = 0.85 + 0.15 * (1 - (dy + r) / (2 * r));
                    rgb[3 * p] = (byte) clamp(o.colour().r() * shade);
                    rgb[3 * p + 1] = (byte) clamp(o.colour().g() * shade);
                    rgb[3 * p + 2] = (byte) clamp(o.colour().b() * shade);
                    owner[p] = idx;
                }
            }
        }
    }

    private static byte[] background(int w, int h, SplittableRandom rnd) {
        byte[] rgb = new byte[w * h * 3];
        int tint = rnd.nextInt(20);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int base = 70 + (40 * y) / h + (20 * x) / w;
                int p = 3 * (y * w + x);
                rgb[p] = (byte) (base + tint);
                rgb[p + 1] = (byte) (base + 5);
                rgb[p + 2] = (byte) (base + 10 - tint / 2);
            }
        }
        return rgb;
    }

    private static void addNoise(byte[] rgb, SplittableRandom rnd) {
        for (int i = 0; i < rgb.length; i++) {
            int v = (rgb[i] & 0xff) + rnd.nextInt(7) - 3;
            rgb[i] = (byte) Math.max(0, Math.min(255, v));
        }
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /**
     * Sum of each sounding object's tone while it sounds ({@link ObjectSpec#soundsAt}), at 16 kHz, as long
     * as the video; tones share the amplitude so that the sum stays within [-1, 1].
     */
    private static float[] audio(ClipSpec spec) {
        int samples = (int) Math.round(spec.frames() / spec.fps() * SyntheticClip.AUDIO_RATE);
        float[] out = new float[samples];
        long sounding = spec.objects().stream().filter(o -> o.toneHz() > 0).count();
        if (sounding == 0) {
            return out;
        }
        for (ObjectSpec o : spec.objects()) {
            if (o.toneHz() <= 0) {
                continue;
            }
            double step = 2 * Math.PI * o.toneHz() / SyntheticClip.AUDIO_RATE;
            for (int i = 0; i < samples; i++) {
                if (o.soundsAt(i / (double) SyntheticClip.AUDIO_RATE)) {
                    out[i] += (float) (TONE_AMPLITUDE / sounding * Math.sin(step * i));
                }
            }
        }
        return out;
    }
}
