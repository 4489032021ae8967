package dev.refseg.bench;

import dev.refseg.inference.ModelSet;
import com.google.protobuf.ByteString;
import dev.refseg.inference.LocalInference;
import dev.refseg.inference.MediaSession;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.llm.AskedQuestions;
import dev.refseg.llm.GuardedLlm;
import dev.refseg.llm.SelectionLlm;
import dev.refseg.llm.VisionLlm;
import dev.refseg.media.ImageDecoder;
import dev.refseg.media.IntakeLimits;
import dev.refseg.segment.SelectionParams;
import dev.refseg.segment.TextSelection;
import dev.refseg.synth.ClipGenerator;
import dev.refseg.synth.ClipSpec;
import dev.refseg.synth.Colour;
import dev.refseg.synth.ObjectSpec;
import dev.refseg.synth.Shape;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.Frame;
import dev.refseg.v1.OpenSession;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How much of the LLM's latency the offline selection hides: the time from the end of the input to the
 * end of selection (what a client waits before the first mask), for a 200-frame clip streamed at a
 * paced rate, with an LLM that takes a fixed time per answer. Compares asking the windows one after
 * the other after the input (the reference scripts' way) with asking them concurrently, and with
 * asking each as soon as its frames have arrived.
 *
 * <pre>
 * ./mvnw test -Dtest=SelectionOverlapBenchmark -Dsurefire.excludedGroups=none -Dbench.llmMillis=1500 -Dbench.fps=50
 * </pre>
 */
@Tag("probe")
class SelectionOverlapBenchmark {
    @Test
    void llmLatencyHiddenBehindIntake() throws Exception {
        long llmMillis = Long.getLong("bench.llmMillis", 1500);
        int fps = Integer.getInteger("bench.fps", 50);
        int n = Integer.getInteger("bench.frames", 200);
        SyntheticClip clip = ClipGenerator.render(new ClipSpec(160, 120, n, 10, List.of(
                new ObjectSpec(Shape.DISC, Colour.RED, 13, 30, 40, 2, 0.5, 13, 147, 13, 107, 0, 0),
                new ObjectSpec(Shape.DISC, Colour.ORANGE, 13, 120, 80, -1.5, 0, 13, 147, 13, 107, 1, 0)), false, 3));
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(ImageDecoder.toImage(clip.frames().get(i), clip.width(), clip.height()), "png", b);
            frames.add(Frame.newBuilder().setIndex(i).setData(ByteString.copyFrom(b.toByteArray())).build());
        }
        Path work = Files.createTempDirectory("overlap-bench");
        try (ModelSet models = ModelSet.demo(new OrtRuntime(List.of("cpu"), 0, 2))) {
            LocalInference inference = new LocalInference(new IntakeLimits(16 << 20, 3840, 2160, 100_000, 600, 8 << 20,
                    64 << 20), Long.MAX_VALUE, work, 25, models, (g, t) -> { });
            SelectionParams params = new SelectionParams(50, 5, 10, 0.25f, 0.2f, 3, 0.001f, 0.1f, 3, true, false);
            System.out.printf("%d frames streamed at %d fps, LLM %d ms per answer, %d windows%n", n, fps, llmMillis,
                    (n + 49) / 50);
            run("sequential after input (cap 1)", inference, params, frames, fps, llmMillis, 1, false);
            run("concurrent after input (cap 4)", inference, params, frames, fps, llmMillis, 4, false);
            run("concurrent during intake (cap 4)", inference, params, frames, fps, llmMillis, 4, true);
        }
    }

    private static void run(String name, LocalInference inference, SelectionParams params, List<Frame> frames, int fps,
            long llmMillis, int cap, boolean duringIntake) throws Exception {
        VisionLlm slow = (model, prompt, jpeg, detail) -> {
            try {
                Thread.sleep(llmMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new VisionLlm.Reply(prompt.contains("candidate box") ? "[1]" : "[3]", 0, 0);
        };
        SelectionLlm.StepModel step = new SelectionLlm.StepModel("m", "auto");
        try (SelectionLlm llm = new SelectionLlm(new GuardedLlm(slow, new GuardedLlm.Policy(0, Duration.ofMillis(1),
                Duration.ofMillis(1)), cap, 64, 0, new SimpleMeterRegistry()), step, step);
                MediaSession media = inference.openSession(OpenSession.getDefaultInstance())) {
            TextSelection selection = new TextSelection("the red disc", params, media, llm, e -> { }, () -> false,
                    new AskedQuestions());
            long t0 = System.nanoTime();
            for (Frame f : frames) {
                media.addFrame(f);
                if (duringIntake) {
                    selection.onFramesDecoded(f.getIndex() + 1);
                }
                long due = t0 + (f.getIndex() + 1) * 1_000_000_000L / fps;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            media.endOfInput();
            long t1 = System.nanoTime();
            TextSelection.Outcome o = selection.finish(frames.size());
            long t2 = System.nanoTime();
            System.out.printf("%-34s intake %6.0f ms, input end -> prompts ready %6.0f ms (%d prompts, %d fallbacks)%n",
                    name, (t1 - t0) / 1e6, (t2 - t1) / 1e6, o.prompts().size(), o.fallbacks().size());
            selection.close();
        }
    }
}
