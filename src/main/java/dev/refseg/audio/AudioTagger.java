package dev.refseg.audio;

import dev.refseg.audio.AudioLabels.Label;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.GraphRunner;
import dev.refseg.runtime.GraphRunner.Input;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The AudioSet tagger ({@code audio.tagger}) through ONNX Runtime, for both families, chosen by the graph's
 * I/O names ({@link TaggerSetup}): one probability per class of {@code audio.labels} for a stretch of 16 kHz
 * mono audio.
 * <ul>
 *   <li>BEATs ({@code fbank} [1,T,128] -> {@code probs} [1,C]), as microsoft/unilm {@code beats/BEATs.py}
 *       preprocesses (models.md §3.2): Kaldi fbank with {@link KaldiFbank#BEATS} (povey window, waveform
 *       x 2^15), then (x - 15.41663) / (2 x 6.55582); T = the clip's frames (at least 16: the 16x16 patches);
 *       the probabilities as the graph gives them (its sigmoid is inside).</li>
 *   <li>AST ({@code input_values} [1,1024,128] -> {@code logits} [1,C]), as transformers'
 *       {@code ASTFeatureExtractor} with MIT/ast-finetuned-audioset-10-10-0.4593's preprocessor_config.json
 *       (max_length 1024, mean -4.2677393, std 4.5689974, padding value 0, do_normalize), checked against
 *       their source: Kaldi fbank with {@link KaldiFbank#AST} (hanning window, waveform not scaled), padded
 *       with zero rows at the end or cut to 1024 frames, then normalised (x - (-4.2677393)) / (2 x
 *       4.5689974), padding rows included; sigmoid of the logits (multi-label).</li>
 * </ul>
 * The Silence class ({@link AudioLabels#silenceIndex}) is set to 0: silence is the absence of a sounding
 * object, never one to look for. A class count the graph leaves dynamic is checked against the labels on
 * every run ({@link ModelLoadException} naming both). Thread-safe: the fbank and ONNX Runtime runs keep
 * no state between calls, and the runner stages inputs in its pooled direct buffers. Build one per model
 * registry and share it: each instance holds a runner of the registry until the registry closes.
 */
public final class AudioTagger {
    /**
     * One class and its score.
     *
     * @param score probability in (0, 1]
     */
    public record Scored(Label label, float score) {
    }

    /** BEATs fbank normalisation (microsoft/unilm beats/BEATs.py: fbank_mean, 2 x fbank_std). */
    static final float BEATS_MEAN = 15.41663f;
    static final float BEATS_STD = 6.55582f;
    /** BEATs needs one 16x16 patch along time (models.md §3.2). */
    static final int BEATS_MIN_FRAMES = 16;
    /** AST's AudioSet normalisation and input length (ASTFeatureExtractor defaults = the checkpoint's config). */
    static final float AST_MEAN = -4.2677393f;
    static final float AST_STD = 4.5689974f;
    public static final int AST_FRAMES = 1024;
    static final int MEL_BINS = 128;

    private final GraphRunner runner;
    private final TaggerSetup setup;
    private final KaldiFbank fbank;
    private final boolean ast;
    private final int minSamples;

    /**
     * @param models the loaded graphs, with {@link CanonicalGraphs#AUDIO_TAGGER}
     * @param setup  the tagger's family and classes, checked at load ({@link TaggerSetup#check})
     * @param timer  receives ONNX Runtime's time of each run and the fbank's ({@link GraphTimer#TAGGER_PREPROCESS})
     * @throws io.grpc.StatusRuntimeException FAILED_PRECONDITION naming the manifest when no tagger is loaded
     */
    public AudioTagger(ModelRegistry models, TaggerSetup setup, GraphTimer timer) {
        this.runner = models.runner(CanonicalGraphs.AUDIO_TAGGER, timer);
        this.setup = setup;
        this.ast = setup.family().equals(CanonicalGraphs.AST.family());
        this.fbank = new KaldiFbank(ast ? KaldiFbank.AST : KaldiFbank.BEATS);
        int frames = ast ? 1 : BEATS_MIN_FRAMES;
        this.minSamples = fbank.windowSamples() + (frames - 1) * fbank.shiftSamples();
    }

    /** "beats" or "ast". */
    public String family() {
        return setup.family();
    }

    public AudioLabels labels() {
        return setup.labels();
    }

    /** Fewest 16 kHz samples a clip must have: 2,800 for BEATs (16 frames), 400 for AST (one frame). */
    public int minSamples() {
        return minSamples;
    }

    /**
     * Scores the samples {@code [from, to)}; an AST clip longer than 1024 frames (10.23 s) is cut to its first
     * 1024 frames, as the feature extractor does.
     *
     * @param wave16k 16 kHz mono float PCM in [-1, 1]
     * @return [C] probabilities in [0, 1], by class index; the Silence class 0
     * @throws IllegalArgumentException when {@code to - from < minSamples()}
     * @throws IndexOutOfBoundsException unless 0 &lt;= from &lt;= to &lt;= wave16k.length
     * @throws ModelLoadException when the graph gives another number of classes than the labels name
     * @throws io.grpc.StatusRuntimeException INTERNAL when ONNX Runtime fails
     */
    public float[] scores(float[] wave16k, int from, int to) {
        Objects.checkFromToIndex(from, to, wave16k.length);
        if (to - from < minSamples) {
            throw new IllegalArgumentException("the audio tagger (" + family() + ") needs at least " + minSamples
                    + " samples at 16 kHz (" + minSamples / 16 + " ms), got " + (to - from));
        }
        long t0 = System.nanoTime();
        Map<String, Input> in = ast ? Map.of("input_values", astInput(wave16k, from, to))
                : Map.of("fbank", beatsInput(wave16k, from, to));
        runner.step(GraphTimer.TAGGER_PREPROCESS, System.nanoTime() - t0);
        float[] out = runner.run(in).get(setup.output());
        if (setup.declaredClasses() < 0) {
            TaggerSetup.requireSameCount(out.length, setup.labels(), "gave");
        }
        if (ast) {
            for (int c = 0; c < out.length; c++) {
                out[c] = (float) (1 / (1 + Math.exp(-out[c])));
            }
        }
        int silence = setup.labels().silenceIndex();
        if (silence >= 0) {
            out[silence] = 0;
        }
        return out;
    }

    /**
     * The {@code k} most probable classes, most probable first, ties by class index; classes scoring 0 (or
     * NaN) are never listed, so fewer than k may come back.
     *
     * @param scores [C] as {@link #scores} returns
     * @throws IllegalArgumentException when k &lt; 0 or the scores are not one per label
     */
    public static List<Scored> top(float[] scores, AudioLabels labels, int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        if (scores.length != labels.size()) {
            throw new IllegalArgumentException(scores.length + " scores for " + labels.size() + " labels");
        }
        List<Scored> out = new ArrayList<>();
        for (int c = 0; c < scores.length; c++) {
            if (scores[c] > 0) {
                out.add(new Scored(labels.get(c), scores[c]));
            }
        }
        out.sort(Comparator.comparingDouble((Scored s) -> -s.score()).thenComparingInt(s -> s.label().index()));
        return List.copyOf(out.subList(0, Math.min(k, out.size())));
    }

    /** [1,T,128]: every frame of the clip, BEATs-normalised. */
    private Input beatsInput(float[] wave, int from, int to) {
        float[][] f = fbank.compute(wave, from, to);
        float[] x = new float[f.length * MEL_BINS];
        for (int t = 0; t < f.length; t++) {
            for (int m = 0; m < MEL_BINS; m++) {
                x[t * MEL_BINS + m] = (f[t][m] - BEATS_MEAN) / (2 * BEATS_STD);
            }
        }
        return Input.floats(x, 1, f.length, MEL_BINS);
    }

    /** [1,1024,128]: the first 1024 frames, zero rows after the clip's end, then AST-normalised. */
    private Input astInput(float[] wave, int from, int to) {
        // Only the samples the first 1024 frames read are analysed.
        int last = (int) Math.min(to, from + fbank.windowSamples() + (long) (AST_FRAMES - 1) * fbank.shiftSamples());
        float[][] f = fbank.compute(wave, from, last);
        float[] x = new float[AST_FRAMES * MEL_BINS];
        java.util.Arrays.fill(x, f.length * MEL_BINS, x.length, normaliseAst(0));
        for (int t = 0; t < f.length; t++) {
            for (int m = 0; m < MEL_BINS; m++) {
                x[t * MEL_BINS + m] = normaliseAst(f[t][m]);
            }
        }
        return Input.floats(x, 1, AST_FRAMES, MEL_BINS);
    }

    /** ASTFeatureExtractor.normalize: (x - mean) / (2 std). */
    static float normaliseAst(float fbankValue) {
        return (fbankValue - AST_MEAN) / (2 * AST_STD);
    }
}
