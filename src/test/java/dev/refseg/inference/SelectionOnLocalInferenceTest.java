package dev.refseg.inference;

import dev.refseg.runtime.OrtRuntime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.GuardedLlm;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.llm.VisionLlm;
import dev.refseg.mask.PixelBox;
import dev.refseg.mask.MaskProtos;
import dev.refseg.media.IntakeLimits;
import dev.refseg.segment.SelectionParams;
import dev.refseg.segment.TextSelection;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.Prefetch;
import dev.refseg.v1.PrefetchResult;
import dev.refseg.v1.Track;
import dev.refseg.v1.TrackPrompt;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Selection over a real (embedded) media session with a scripted LLM: encoder work done ahead of tracking
 * is used, not repeated; a long video's questions are paced instead of overflowing the LLM queue.
 */
class SelectionOnLocalInferenceTest {
    static final int PIVOT = 20;
    static ModelSet models;
    static SyntheticClip clip;
    static final AtomicInteger encoderRuns = new AtomicInteger();

    @BeforeAll
    static void setUp() {
        models = ModelSet.demo(new OrtRuntime(List.of("cpu"), 0, 2));
        clip = SampleClip.render();
    }

    @AfterAll
    static void tearDown() {
        models.close();
    }

    static LocalInference inference(Path dir, int prefetch) {
        return new LocalInference(new IntakeLimits(16 << 20, 3840, 2160, 1000, 600, 8 << 20, 64 << 20), 1L << 30, dir,
                10, models, (graph, nanos) -> {
                    if (graph.equals("sam2.image_encoder")) {
                        encoderRuns.incrementAndGet();
                    }
                }, prefetch);
    }

    static MediaSession withFrames(InferenceBackend inference) {
        MediaSession s = inference.openSession(OpenSession.getDefaultInstance());
        for (int i = 0; i < clip.frameCount(); i++) {
            s.addFrame(Frame.newBuilder().setIndex(i).setWidth(clip.width()).setHeight(clip.height())
                    .setFormat(dev.refseg.v1.ImageFormat.IMAGE_FORMAT_RGB24).setData(ByteString.copyFrom(clip.frames().get(i))).build());
        }
        s.endOfInput();
        return s;
    }

    static List<MaskFrame> track(MediaSession s) {
        List<MaskFrame> out = new ArrayList<>();
        s.track(trackRequest(), out::add);
        return out;
    }

    /** Object 1 from its box on the pivot. */
    static Track trackRequest() {
        PixelBox box = PixelBox.of(clip.truth().get(1).get(PIVOT));
        return Track.newBuilder().addPrompts(TrackPrompt.newBuilder().setObjectId(1).setFrameIndex(PIVOT)
                .setBox(MaskProtos.box(box))).setStartFrameIndex(PIVOT).build();
    }

    @Test
    void prefetchedFramesAreNotEncodedAgainAndGiveTheSameMasks(@TempDir Path dir) {
        List<MaskFrame> plain;
        try (MediaSession s = withFrames(inference(dir, 0))) {
            encoderRuns.set(0);
            plain = track(s);
            assertEquals(48, encoderRuns.get(), "each frame encoded once");
        }
        try (MediaSession s = withFrames(inference(dir, 4))) {
            encoderRuns.set(0);
            PrefetchResult r = s.prefetch(Prefetch.newBuilder().addFrameIndices(PIVOT).addFrameIndices(PIVOT + 1)
                    .addFrameIndices(PIVOT + 2).addFrameIndices(PIVOT + 3).addFrameIndices(PIVOT + 4).build());
            assertEquals(4, r.getFramesCached());
            assertTrue(r.getFull());
            assertEquals(4, encoderRuns.get(), "the budget stops the fifth");
            encoderRuns.set(0);
            List<MaskFrame> ahead = track(s);
            assertEquals(44, encoderRuns.get(), "tracking used the 4 prefetched frames");
            assertEquals(plain, ahead, "same masks");
            assertEquals(0, s.prefetch(Prefetch.getDefaultInstance()).getFramesCached(), "all taken by tracking");
        }
    }

    @Test
    void textSelectionEncodesAheadWhileTheKeyBoxIsAwaited(@TempDir Path dir) {
        VisionLlm slowBoxes = (model, prompt, jpeg, detail) -> {
            if (prompt.contains("candidate box")) {
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new VisionLlm.Reply("[1]", 0, 0);
            }
            return new VisionLlm.Reply("[3]", 0, 0);
        };
        SelectionLlm.StepModel step = new SelectionLlm.StepModel("m", "auto");
        try (SelectionLlm llm = new SelectionLlm(new GuardedLlm(slowBoxes, new GuardedLlm.Policy(0, Duration.ofMillis(1),
                Duration.ofMillis(1)), 2, 8, 0, new SimpleMeterRegistry()), step, step);
                MediaSession s = withFrames(inference(dir, 3))) {
            TextSelection selection = new TextSelection("the blue square",
                    new SelectionParams(50, 5, 10, 0.25f, 0.2f, 3, 0.001f, 0.1f, 3, true, false), s, llm, e -> { },
                    () -> false, new AskedQuestions());
            TextSelection.Outcome o = selection.finish(48);
            assertEquals(20, o.startFrame(), "answer 3 of frames 0,10,20,30,40");
            PrefetchResult r = s.prefetch(Prefetch.getDefaultInstance());
            assertEquals(3, r.getFramesCached(), "pivot 20, then 21 and 22, encoded while the LLM chose the box");
            encoderRuns.set(0);
            s.track(Track.newBuilder().addAllPrompts(o.prompts()).setStartFrameIndex(o.startFrame()).build(), m -> { });
            assertEquals(45, encoderRuns.get());
        }
    }

    @Test
    void aLongVideosQuestionsArePacedNotRejected(@TempDir Path dir) {
        // One request at a time and one waiting: twelve questions at once would see ten refused.
        AtomicInteger asked = new AtomicInteger();
        VisionLlm quick = (model, prompt, jpeg, detail) -> {
            asked.incrementAndGet();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new VisionLlm.Reply(prompt.contains("candidate box") ? "[1]" : "[2]", 0, 0);
        };
        SelectionLlm.StepModel step = new SelectionLlm.StepModel("m", "auto");
        try (SelectionLlm llm = new SelectionLlm(new GuardedLlm(quick, new GuardedLlm.Policy(0, Duration.ofMillis(1),
                Duration.ofMillis(1)), 1, 1, 0, new SimpleMeterRegistry()), step, step);
                MediaSession s = withFrames(inference(dir, 0))) {
            assertEquals(2, llm.perCallLimit());
            List<dev.refseg.v1.SegmentResponse> events = new ArrayList<>();
            TextSelection selection = new TextSelection("the blue square",
                    new SelectionParams(8, 2, 4, 0.25f, 0.2f, 3, 0.001f, 0.1f, 3, true, false), s, llm, events::add,
                    () -> false, new AskedQuestions());
            for (int n = 1; n <= 48; n++) {
                selection.onFramesDecoded(n); // as intake would: windows fill while frames arrive
            }
            TextSelection.Outcome o = selection.finish(48);
            assertEquals(List.of(), o.fallbacks(), "six windows, six boxes, nothing refused");
            assertEquals(12, asked.get());
            assertEquals(6, o.prompts().size(), "every pivot conditions the object");
            List<Integer> pivots = events.stream().filter(e -> e.hasKeyFrame()).map(e -> e.getKeyFrame().getFrameIndex())
                    .toList();
            assertEquals(List.of(4, 12, 20, 28, 36, 44), pivots, "answer 2 of each window [8w, 8w + 4]");
        }
    }
}
