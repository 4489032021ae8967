package dev.refseg.synth;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code refseg synth --out DIR [--sample | --seed N --objects K --frames F --width W --height H --audio]}:
 * writes a synthetic clip (or the bundled sample) with its ground truth; see {@link ClipWriter}.
 */
public final class SynthCli {
    private SynthCli() {
    }

    public static int run(String[] args, PrintStream out) {
        Path dir = null;
        boolean sample = false;
        long seed = 1;
        int objects = 3;
        int frames = 40;
        int width = 320;
        int height = 240;
        boolean audio = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--out" -> dir = Path.of(args[++i]);
                    case "--sample" -> sample = true;
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    case "--objects" -> objects = Integer.parseInt(args[++i]);
                    case "--frames" -> frames = Integer.parseInt(args[++i]);
                    case "--width" -> width = Integer.parseInt(args[++i]);
                    case "--height" -> height = Integer.parseInt(args[++i]);
                    case "--audio" -> audio = true;
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
            if (dir == null) {
                throw new IllegalArgumentException("--out is required");
            }
            ClipSpec spec = sample ? SampleClip.spec()
                    : ClipGenerator.randomSpec(seed, width, height, frames, objects, audio);
            SyntheticClip clip = ClipGenerator.render(spec);
            ClipWriter.write(clip, dir);
            out.println("wrote " + clip.frameCount() + " frames of " + clip.width() + "x" + clip.height() + " with "
                    + clip.referents().size() + " objects to " + dir);
            return 0;
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            out.println(e.getMessage());
            out.println("usage: refseg synth --out DIR [--sample | --seed N --objects K --frames F --width W --height H --audio]");
            return 2;
        } catch (Exception e) {
            out.println("synth failed: " + e);
            return 1;
        }
    }
}
