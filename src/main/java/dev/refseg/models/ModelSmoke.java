package dev.refseg.models;

import dev.refseg.audio.AudioTagger;
import dev.refseg.detect.Detection;
import dev.refseg.detect.GroundingDinoDetector;
import dev.refseg.eval.RegionJ;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.inference.LocalInference;
import dev.refseg.keyselect.TileRenderer;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.inference.ModelSet;
import dev.refseg.runtime.ModelRegistry;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.PixelBox;
import dev.refseg.media.DecodedFrame;
import dev.refseg.sam2.Sam2Tracker;
import dev.refseg.sam2.TrackerState;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One run of every loaded graph through the code that serves requests, on the bundled synthetic sample
 * ({@link SampleClip}, 320x240), so a graph that loads and has the right interface but cannot run (an
 * operator this ORT build lacks, a provider failing on a kernel, a shape the export cannot take) is found
 * before the first request: by the {@code models} command and at start-up ({@code refseg.models.warm-up}).
 * <ul>
 *   <li>SAM 2.1 (either family): the first object's ground-truth box prompts frame 0, then frames 1..2
 *       are tracked, which runs the image encoder, mask decoder, memory encoder and memory attention (and
 *       pointer_tpos for the transformers family).</li>
 *   <li>GroundingDINO: frame 0 with the first object's referent as the caption.</li>
 *   <li>The audio tagger (when loaded, either family): 1 s of the sample's first object's tone, through
 *       {@link AudioTagger} (fbank, the graph, the Silence class zeroed).</li>
 * </ul>
 * Graph times (ONNX Runtime's run alone) and host-side steps go to the given timer.
 */
public final class ModelSmoke {
    /** Frames tracked: the prompted frame 0 and two tracked frames (the memory path runs on tracked frames). */
    public static final int FRAMES = 3;
    /** Samples given to the tagger: 1 s at 16 kHz. */
    static final int TAGGER_SAMPLES = SyntheticClip.AUDIO_RATE;
    /** Amplitude of the tone given to the tagger (the synthetic clips' single tone). */
    static final double TONE_AMPLITUDE = 0.25;
    /** Labels reported from the tagger's run. */
    static final int HEARD = 3;
    static final String DETECTOR = "gdino.detector";
    static final String TAGGER = CanonicalGraphs.AUDIO_TAGGER;

    /**
     * What the run gave, for the report; not judged (real models on a synthetic frame may miss).
     *
     * @param object   the tracked object, in words ("the red disc")
     * @param trackIou IoU of the tracked mask with the drawn truth on the last frame
     * @param caption  the detector's caption, null when no detector is loaded
     * @param boxes    boxes the detector gave above its default thresholds (0.25 box, 0.2 text)
     * @param tagger   the tagger's family ("beats", "ast"), null when no tagger is loaded
     * @param heard    the tagger's top labels with their scores ("Bell 1.00, Music 1.00"), "" when none scored
     */
    public record Result(String object, double trackIou, String caption, int boxes, float bestScore,
            String tagger, String heard) {
        /** One line, e.g. "tracker: the red disc prompted on frame 0, mask IoU 0.93 with the truth on frame 2; ...". */
        public String summary() {
            List<String> parts = new ArrayList<>();
            parts.add(String.format(Locale.ROOT, "tracker: %s prompted with its box on frame 0, mask IoU %.2f with the "
                    + "drawn truth on frame %d", object, trackIou, FRAMES - 1));
            if (caption != null) {
                parts.add(String.format(Locale.ROOT, "detector: %d box(es) for \"%s\"%s", boxes, caption,
                        boxes > 0 ? String.format(Locale.ROOT, " (best score %.2f)", bestScore) : ""));
            }
            if (tagger != null) {
                parts.add("tagger (" + tagger + "): " + (heard.isEmpty() ? "no label" : heard) + " for 1 s of the "
                        + "sample's tone");
            }
            return String.join("; ", parts);
        }
    }

    private final ClipSpec spec = SampleClip.spec();
    private final List<ClipGenerator.RenderedFrame> frames = new ArrayList<>();

    public ModelSmoke() {
        for (int f = 0; f < FRAMES; f++) {
            frames.add(ClipGenerator.frame(spec, f));
        }
    }

    /**
     * Runs every loaded graph once (SAM 2 graphs more than once: one video of {@value #FRAMES} frames).
     *
     * @throws ModelLoadException naming the stage and the graph when a run fails
     */
    public Result run(ModelSet models, GraphTimer timer) {
        double iou = stage("the SAM 2.1 tracker", () -> track(models, timer));
        ModelRegistry graphs = models.registry();
        String caption = graphs.has(DETECTOR) ? referent() : null;
        List<Detection> found = caption == null ? List.of() : stage(DETECTOR, () -> detect(graphs, timer, caption));
        AudioTagger tagger = models.tagger().map(t -> stage(TAGGER, () -> new AudioTagger(graphs, t, timer)))
                .orElse(null);
        String heard = tagger == null ? null : stage(TAGGER, () -> tag(tagger));
        return new Result(referent(), iou, caption, found.size(), found.isEmpty() ? 0 : found.get(0).score(),
                tagger == null ? null : tagger.family(), heard);
    }

    /**
     * The start-up warm-up ({@code refseg.models.warm-up}): one run, described for the log with each
     * graph's first-run time; then one LLM tile of the sample's first frame, so that Java2D's fonts and
     * the JPEG writer load now and not while the first call's key-frame question waits for its image.
     *
     * @throws ModelLoadException as {@link #run}, which stops the start
     */
    public static String warmUp(ModelSet models) {
        GraphTimes times = new GraphTimes();
        ModelSmoke smoke = new ModelSmoke();
        Result result = smoke.run(models, times);
        long t0 = System.nanoTime();
        TileRenderer.render(List.of(smoke.frame(0)));
        return "Warm-up on the synthetic sample, first run per graph: " + times.graphs().stream()
                .map(g -> String.format(Locale.ROOT, "%s %.0f ms", g, times.firstMs(g).orElse(0)))
                .collect(java.util.stream.Collectors.joining(", ")) + String.format(Locale.ROOT, ", LLM tile %.0f ms",
                (System.nanoTime() - t0) / 1e6) + "; " + result.summary();
    }

    private double track(ModelSet models, GraphTimer timer) {
        Sam2Tracker tracker = new Sam2Tracker(models.sam2().create(models.registry(), timer));
        double[] iou = {0};
        try (TrackerState s = tracker.init(this::frame, FRAMES, spec.width(), spec.height())) {
            tracker.addBox(s, 1, 0, PixelBox.of(truth(0)));
            tracker.propagate(s, (t, direction, masks) -> {
                if (t == FRAMES - 1) {
                    iou[0] = RegionJ.of(masks.get(0).mask(), truth(t));
                }
            });
        }
        return iou[0];
    }

    private List<Detection> detect(ModelRegistry models, GraphTimer timer, String caption) {
        GroundingDinoDetector detector = new GroundingDinoDetector(models.runner(DETECTOR, timer),
                LocalInference.detectorTokenizer(models));
        return detector.detect(frame(0), caption, 0.25f, 0.2f, 3);
    }

    /** The tagger's top labels for 1 s of the sample's first tone, e.g. "Bell 1.00, Music 1.00". */
    private String tag(AudioTagger tagger) {
        double hz = spec.objects().stream().mapToDouble(ObjectSpec::toneHz).filter(f -> f > 0).findFirst().orElse(440);
        float[] wave = new float[TAGGER_SAMPLES];
        for (int i = 0; i < wave.length; i++) {
            wave[i] = (float) (TONE_AMPLITUDE * Math.sin(2 * Math.PI * hz * i / SyntheticClip.AUDIO_RATE));
        }
        float[] scores = tagger.scores(wave, 0, wave.length);
        for (float p : scores) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalStateException(TAGGER + " gave a score outside [0, 1] (" + p + ") for a tone");
            }
        }
        return AudioTagger.top(scores, tagger.labels(), HEARD).stream()
                .map(s -> String.format(Locale.ROOT, "%s %.2f", s.label().name(), s.score()))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private String referent() {
        return spec.objects().get(0).referent();
    }

    private DecodedFrame frame(int f) {
        return new DecodedFrame(f, Math.round(f * 1e6 / spec.fps()), spec.width(), spec.height(), frames.get(f).rgb());
    }

    private BinaryMask truth(int f) {
        return frames.get(f).truth().get(0);
    }

    private interface Stage<T> {
        T run();
    }

    /** Runs a stage; a failure other than a model-directory problem becomes one naming the stage. */
    private static <T> T stage(String name, Stage<T> stage) {
        try {
            return stage.run();
        } catch (ModelLoadException e) {
            throw e;
        } catch (StatusRuntimeException e) {
            throw failed(name, e.getStatus().getDescription(), e);
        } catch (RuntimeException e) {
            throw failed(name, String.valueOf(e.getMessage()), e);
        }
    }

    private static ModelLoadException failed(String stage, String message, Throwable cause) {
        return new ModelLoadException("the test run on the synthetic sample failed in " + stage + ": " + message,
                cause);
    }
}
