package dev.refseg.bench;

import dev.refseg.audio.KaldiFbank;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH benchmark of the Kaldi filterbank (tag "probe", not in the suite): 10 s of 16 kHz audio per
 * operation, both taggers' settings, one thread. Prints seconds of audio per second of compute.
 * <pre>./mvnw test -Dtest=KaldiFbankBenchmark -Dgroups=probe -Dsurefire.excludedGroups=none</pre>
 */
@Tag("probe")
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KaldiFbankBenchmark {
    static final int SECONDS = 10;

    @Param({"BEATS", "AST"})
    public String settings;
    private KaldiFbank fbank;
    private float[] pcm;

    @Setup
    public void setUp() {
        fbank = new KaldiFbank(settings.equals("BEATS") ? KaldiFbank.BEATS : KaldiFbank.AST);
        pcm = new float[SECONDS * 16_000];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) (0.3 * Math.sin(i * 0.05) + 0.1 * r.nextGaussian());
        }
    }

    @Benchmark
    public float[][] tenSeconds() {
        return fbank.compute(pcm);
    }

    @Test
    void run() throws Exception {
        for (RunResult r : new Runner(new OptionsBuilder().include(KaldiFbankBenchmark.class.getName() + ".tenSeconds")
                .build()).run()) {
            double ms = r.getPrimaryResult().getScore();
            System.out.printf("BENCH fbank %s: %.2f ms per %d s of audio = %.0f s of audio per second%n",
                    r.getParams().getParam("settings"), ms, SECONDS, SECONDS / (ms / 1000));
        }
    }
}
