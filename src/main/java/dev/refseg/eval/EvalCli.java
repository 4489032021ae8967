package dev.refseg.eval;

import dev.refseg.mask.BinaryMask;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Scores a folder of predicted PNG masks against ground truth in DAVIS layout:
 * {@code <gt>/<sequence>/<frame>.png} and {@code <pred>/<sequence>/<frame>.png}, label images whose
 * values are object ids (a 0/255 greyscale PNG counts as object 1). Prints J, F and J&F per object and
 * their means, and the AVSBench mIoU and F-score (beta² = 0.3) over all frames (all objects merged).
 *
 * <pre>refseg eval --pred DIR --gt DIR [--skip-first-last] [--avs]</pre>
 * {@code --skip-first-last} drops each sequence's first and last frame, as the DAVIS-2017
 * semi-supervised toolkit does (the first frame's mask is given there). {@code --avs} adds the table
 * for audio runs: per clip, AVSBench mIoU and F-score (beta² = 0.3, max over 255 thresholds; a frame
 * with empty truth scores IoU on the background and F 0, as AVSBench's evaluation does) over the clip's
 * frames, all objects merged into one binary mask (method.md §6, AVS evaluation).
 */
public final class EvalCli {
    private EvalCli() {
    }

    /**
     * @param rows    J, F and J&F per sequence and object
     * @param avsRows AVSBench mIoU and F-score per clip (sequence), over its frames with every object merged
     */
    public record Report(List<String> rows, List<String> avsRows, double meanJ, double meanF, double meanJf, double miou,
            double fScore) {
    }

    public static int run(String[] args, PrintStream out) {
        Path pred = null;
        Path gt = null;
        boolean skipEnds = false;
        boolean avs = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--avs" -> avs = true;
                case "--pred" -> pred = Path.of(args[++i]);
                case "--gt" -> gt = Path.of(args[++i]);
                case "--skip-first-last" -> skipEnds = true;
                default -> {
                    out.println("unknown argument: " + args[i]);
                    return usage(out);
                }
            }
        }
        if (pred == null || gt == null) {
            return usage(out);
        }
        try {
            Report r = evaluate(pred, gt, skipEnds);
            r.rows().forEach(out::println);
            if (avs) {
                r.avsRows().forEach(out::println);
            }
            out.printf(Locale.ROOT, "mean J %.4f  F %.4f  J&F %.4f%n", r.meanJ(), r.meanF(), r.meanJf());
            out.printf(Locale.ROOT, "AVS mIoU %.4f  F-score(beta2=0.3) %.4f%n", r.miou(), r.fScore());
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            out.println("eval failed: " + e.getMessage());
            return 1;
        }
    }

    private static int usage(PrintStream out) {
        out.println("usage: refseg eval --pred DIR --gt DIR [--skip-first-last] [--avs]");
        return 2;
    }

    public static Report evaluate(Path predRoot, Path gtRoot, boolean skipEnds) throws IOException {
        if (!Files.isDirectory(gtRoot)) {
            throw new IOException("ground-truth folder not found: " + gtRoot);
        }
        if (!Files.isDirectory(predRoot)) {
            throw new IOException("prediction folder not found: " + predRoot);
        }
        int predicted = 0;
        List<String> rows = new ArrayList<>();
        List<JandF> all = new ArrayList<>();
        List<BinaryMask> avsPred = new ArrayList<>();
        List<BinaryMask> avsTruth = new ArrayList<>();
        List<String> avsRows = new ArrayList<>();
        avsRows.add(String.format(Locale.ROOT, "%-24s %6s %8s %8s", "clip", "frames", "mIoU", "F-score"));
        rows.add(String.format(Locale.ROOT, "%-24s %6s %8s %8s %8s", "sequence", "object", "J", "F", "J&F"));
        for (Path seqDir : list(gtRoot, Files::isDirectory)) {
            String seq = seqDir.getFileName().toString();
            List<Path> frames = list(seqDir, p -> p.toString().endsWith(".png"));
            if (skipEnds && frames.size() > 2) {
                frames = frames.subList(1, frames.size() - 1);
            }
            List<LabelPng> gts = new ArrayList<>();
            List<LabelPng> preds = new ArrayList<>();
            java.util.TreeSet<Integer> ids = new java.util.TreeSet<>();
            for (Path f : frames) {
                LabelPng g = LabelPng.read(f);
                Path p = predRoot.resolve(seq).resolve(f.getFileName().toString());
                boolean there = Files.exists(p);
                predicted += there ? 1 : 0;
                LabelPng pr = there ? LabelPng.read(p) : new LabelPng(g.height(), g.width(), new int[g.labels().length]);
                gts.add(g);
                preds.add(pr);
                ids.addAll(g.objectIds());
            }
            for (int id : ids) {
                List<BinaryMask> pm = new ArrayList<>();
                List<BinaryMask> gm = new ArrayList<>();
                for (int i = 0; i < gts.size(); i++) {
                    pm.add(preds.get(i).mask(id));
                    gm.add(gts.get(i).mask(id));
                }
                JandF s = JandF.of(pm, gm);
                all.add(s);
                rows.add(String.format(Locale.ROOT, "%-24s %6d %8.4f %8.4f %8.4f", seq, id, s.jMean(), s.fMean(), s.jf()));
            }
            List<BinaryMask> clipPred = new ArrayList<>();
            List<BinaryMask> clipTruth = new ArrayList<>();
            for (int i = 0; i < gts.size(); i++) {
                clipPred.add(foreground(preds.get(i)));
                clipTruth.add(foreground(gts.get(i)));
            }
            if (!clipTruth.isEmpty()) {
                avsRows.add(String.format(Locale.ROOT, "%-24s %6d %8.4f %8.4f", seq, clipTruth.size(),
                        AvsMetrics.meanIou(clipPred, clipTruth), AvsMetrics.fScore(clipPred, clipTruth)));
            }
            avsPred.addAll(clipPred);
            avsTruth.addAll(clipTruth);
        }
        if (predicted == 0) {
            // A mistyped folder would otherwise score as empty masks: plausible numbers for nothing.
            throw new IOException("no predicted mask under " + predRoot + " for any ground-truth frame (expected "
                    + predRoot + "/<sequence>/<frame>.png, as in " + gtRoot + ")");
        }
        double mj = all.stream().mapToDouble(JandF::jMean).average().orElse(0);
        double mf = all.stream().mapToDouble(JandF::fMean).average().orElse(0);
        return new Report(rows, avsRows, mj, mf, JandF.meanJf(all), AvsMetrics.meanIou(avsPred, avsTruth),
                AvsMetrics.fScore(avsPred, avsTruth));
    }

    private static BinaryMask foreground(LabelPng l) {
        byte[] d = new byte[l.labels().length];
        for (int i = 0; i < d.length; i++) {
            int v = l.labels()[i];
            d[i] = (byte) (v != 0 && v != 255 ? 1 : 0);
        }
        return new BinaryMask(l.height(), l.width(), d);
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> keep) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(keep).sorted().toList();
        }
    }
}
