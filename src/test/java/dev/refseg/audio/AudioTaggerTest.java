package dev.refseg.audio;

import dev.refseg.inference.ModelSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.audio.AudioTagger.Scored;
import dev.refseg.fixtures.FixtureModels;
import dev.refseg.fixtures.TaggerFixture;
import dev.refseg.runtime.CanonicalGraphs;
import dev.refseg.runtime.GraphTimer;
import dev.refseg.runtime.ModelLoadException;
import dev.refseg.runtime.ModelManifest;
import dev.refseg.runtime.OrtRuntime;
import dev.refseg.onnx.DType;
import dev.refseg.onnx.GraphBuilder;
import dev.refseg.onnx.GraphBuilder.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tagger adapter on both fixture families (fixtures.TaggerFixture): family by I/O names, band tones
 * heard in their bands, silence, the Silence class zeroed, minimum length, AST's cut at 1024 frames, class
 * counts checked against the labels. Tones are generated here as plain sines, independent of KaldiFbank.
 */
class AudioTaggerTest {
    static final OrtRuntime CPU = new OrtRuntime(List.of("cpu"), 0, 1);
    static final int RATE = 16_000;
    static final int SILENCE = 0;
    static final int MUSIC = 1;
    static final int BELL = 2;
    static final int WHISTLE = 3;
    static final int BEEP = 4;
    static final int HUM = 5;
    static final int[] BANDS = {BELL, WHISTLE, BEEP, HUM};

    @TempDir
    static Path dirs;
    static ModelSet beatsModels;
    static ModelSet astModels;
    static AudioTagger beats;
    static AudioTagger ast;

    @BeforeAll
    static void load() throws Exception {
        FixtureModels.writeAll(dirs.resolve("beats"));
        FixtureModels.writeAll(dirs.resolve("ast"));
        TaggerFixture.writeAst(dirs.resolve("ast"));
        beatsModels = ModelSet.load(dirs.resolve("beats"), CPU);
        astModels = ModelSet.load(dirs.resolve("ast"), CPU);
        beats = new AudioTagger(beatsModels.registry(), beatsModels.tagger().orElseThrow(), GraphTimer.NONE);
        ast = new AudioTagger(astModels.registry(), astModels.tagger().orElseThrow(), GraphTimer.NONE);
    }

    @AfterAll
    static void close() {
        beatsModels.close();
        astModels.close();
    }

    static AudioTagger tagger(String family) {
        return family.equals("beats") ? beats : ast;
    }

    /** Sum of sines of the given frequencies, each of the given amplitude, {@code seconds} long at 16 kHz. */
    static float[] tones(double seconds, double amplitude, double... hz) {
        float[] w = new float[(int) Math.round(seconds * RATE)];
        for (int i = 0; i < w.length; i++) {
            double v = 0;
            for (double f : hz) {
                v += amplitude * Math.sin(2 * Math.PI * f * i / RATE);
            }
            w[i] = (float) v;
        }
        return w;
    }

    @Test
    void theFamilyComesFromTheGraphsNames() {
        assertEquals("beats", beats.family());
        assertEquals("ast", ast.family());
        assertSame(CanonicalGraphs.BEATS, beatsModels.registry().interfaceOf(CanonicalGraphs.AUDIO_TAGGER));
        assertSame(CanonicalGraphs.AST, astModels.registry().interfaceOf(CanonicalGraphs.AUDIO_TAGGER));
        assertEquals(2800, beats.minSamples());
        assertEquals(400, ast.minSamples());
        assertEquals(6, beats.labels().size());
        assertEquals("Beep, bleep", ast.labels().get(BEEP).name());
    }

    @ParameterizedTest
    @CsvSource({"beats,500,2", "beats,1000,3", "beats,2000,4", "beats,250,5", "ast,500,2", "ast,1000,3", "ast,2000,4",
        "ast,250,5"})
    void aToneIsHeardInItsBandOnly(String family, double hz, int band) {
        float[] s = tagger(family).scores(tones(1, 0.05, hz), 0, RATE);
        String all = Arrays.toString(s);
        assertTrue(s[band] > 0.8, all);
        for (int other : BANDS) {
            assertTrue(other == band || s[other] < 0.2, all);
        }
        assertTrue(s[MUSIC] > 0.8, all);
        assertEquals(0f, s[SILENCE], all);
        // The band is the top class, Music the next.
        List<Scored> top = AudioTagger.top(s, tagger(family).labels(), 2);
        assertEquals(List.of(band, MUSIC), top.stream().map(t -> t.label().index()).toList(), top.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"beats", "ast"})
    void twoTonesAtEqualAmplitudeAreBothHeard(String family) {
        float[] s = tagger(family).scores(tones(1.5, 0.05, 500, 2000), 0, (int) (1.5 * RATE));
        assertTrue(s[BELL] > 0.8 && s[BEEP] > 0.8, Arrays.toString(s));
        assertTrue(s[WHISTLE] < 0.2 && s[HUM] < 0.2, Arrays.toString(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {"beats", "ast"})
    void silenceAndAFaintToneAreQuietAndTheSilenceClassIsZeroed(String family) throws Exception {
        for (float[] wave : List.of(new float[RATE], tones(1, 0.0005, 1000))) {
            float[] s = tagger(family).scores(wave, 0, wave.length);
            for (int band : BANDS) {
                assertTrue(s[band] < 0.2, Arrays.toString(s));
            }
            assertTrue(s[MUSIC] < 0.2, Arrays.toString(s));
            assertEquals(0f, s[SILENCE], Arrays.toString(s));
            assertEquals(List.of(), AudioTagger.top(s, tagger(family).labels(), 3).stream()
                    .filter(t -> t.score() > 0.2).toList());
        }
        // The graph itself does say Silence: the adapter zeroes it.
        float[] raw = rawRun(family, new float[RATE]);
        assertTrue(raw[SILENCE] > 0.8, Arrays.toString(raw));
    }

    /** The fixture's own Silence score for a wave, through the graph without the adapter's zeroing. */
    private static float[] rawRun(String family, float[] wave) {
        ModelSet models = family.equals("beats") ? beatsModels : astModels;
        KaldiFbank fbank = new KaldiFbank(family.equals("beats") ? KaldiFbank.BEATS : KaldiFbank.AST);
        float[][] f = fbank.compute(wave);
        int frames = family.equals("beats") ? f.length : AudioTagger.AST_FRAMES;
        float[] x = new float[frames * 128];
        Arrays.fill(x, AudioTagger.normaliseAst(0));
        for (int t = 0; t < Math.min(f.length, frames); t++) {
            for (int m = 0; m < 128; m++) {
                x[t * 128 + m] = family.equals("beats") ? (f[t][m] - AudioTagger.BEATS_MEAN) / (2 * AudioTagger.BEATS_STD)
                        : AudioTagger.normaliseAst(f[t][m]);
            }
        }
        String in = family.equals("beats") ? "fbank" : "input_values";
        String out = family.equals("beats") ? "probs" : "logits";
        float[] s = models.registry().runner(CanonicalGraphs.AUDIO_TAGGER, GraphTimer.NONE)
                .run(java.util.Map.of(in, dev.refseg.runtime.GraphRunner.Input.floats(x, 1, frames, 128))).get(out);
        if (family.equals("ast")) {
            for (int c = 0; c < s.length; c++) {
                s[c] = (float) (1 / (1 + Math.exp(-s[c])));
            }
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"beats", "ast"})
    void bothFamiliesAgreeOnTheTopClassesOfAStretch(String family) {
        // 0.5 s of silence, then a 1000 Hz tone: only [from, to) is scored.
        float[] wave = new float[2 * RATE];
        System.arraycopy(tones(1, 0.1, 1000), 0, wave, RATE, RATE);
        float[] quiet = tagger(family).scores(wave, 0, RATE / 2);
        float[] loud = tagger(family).scores(wave, RATE / 2, 2 * RATE);
        assertTrue(quiet[WHISTLE] < 0.2 && loud[WHISTLE] > 0.8, Arrays.toString(quiet) + Arrays.toString(loud));
        List<Integer> beatsTop = AudioTagger.top(beats.scores(wave, RATE / 2, 2 * RATE), beats.labels(), 2).stream()
                .map(t -> t.label().index()).toList();
        List<Integer> astTop = AudioTagger.top(ast.scores(wave, RATE / 2, 2 * RATE), ast.labels(), 2).stream()
                .map(t -> t.label().index()).toList();
        assertEquals(List.of(WHISTLE, MUSIC), beatsTop);
        assertEquals(beatsTop, astTop);
    }

    @Test
    void aClipShorterThanTheMinimumIsRefused() {
        float[] wave = tones(1, 0.05, 500);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> beats.scores(wave, 100, 2899));
        assertTrue(e.getMessage().contains("needs at least 2800 samples"), e.getMessage());
        assertEquals(6, beats.scores(wave, 100, 2900).length);
        assertThrows(IllegalArgumentException.class, () -> ast.scores(wave, 0, 399));
        assertTrue(ast.scores(wave, 0, 400)[BELL] > 0.8);
        assertThrows(IndexOutOfBoundsException.class, () -> ast.scores(wave, 0, wave.length + 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ast.scores(wave, 500, 400));
    }

    @Test
    void anAstClipOverTenSecondsIsCutTo1024Frames() {
        // 12 s: 1198 frames. The tone sounds only in the last 1.5 s, past frame 1024: the cut leaves it out.
        float[] wave = new float[12 * RATE];
        System.arraycopy(tones(1.5, 0.1, 250), 0, wave, wave.length - (int) (1.5 * RATE), (int) (1.5 * RATE));
        float[] cut = ast.scores(wave, 0, wave.length);
        assertTrue(cut[HUM] < 0.2, Arrays.toString(cut));
        // BEATs reads the whole clip.
        assertTrue(beats.scores(wave, 0, wave.length)[HUM] > 0.8);
        float[] whole = ast.scores(tones(12, 0.1, 250), 0, 12 * RATE);
        assertTrue(whole[HUM] > 0.8, Arrays.toString(whole));
    }

    @Test
    void topIsMostProbableFirstTiesByIndexWithoutZeros() {
        AudioLabels labels = beats.labels();
        float[] s = {0, 0.5f, 0.9f, 0.5f, 0, 0.7f};
        List<Scored> top = AudioTagger.top(s, labels, 10);
        assertEquals(List.of(2, 5, 1, 3), top.stream().map(t -> t.label().index()).toList());
        assertEquals(0.9f, top.get(0).score());
        assertEquals("Bell", top.get(0).label().name());
        assertEquals(List.of(2, 5), AudioTagger.top(s, labels, 2).stream().map(t -> t.label().index()).toList());
        assertEquals(List.of(), AudioTagger.top(s, labels, 0));
        assertThrows(IllegalArgumentException.class, () -> AudioTagger.top(s, labels, -1));
        assertThrows(IllegalArgumentException.class, () -> AudioTagger.top(new float[5], labels, 1));
    }

    @Test
    void severalSessionsScoreAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            double[] hz = {500, 1000, 2000, 250};
            List<Future<float[]>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                AudioTagger t = i % 2 == 0 ? beats : ast;
                float[] wave = tones(1, 0.05, hz[i % 4]);
                runs.add(pool.submit(() -> t.scores(wave, 0, wave.length)));
            }
            for (int i = 0; i < runs.size(); i++) {
                float[] s = runs.get(i).get();
                assertTrue(s[BANDS[i % 4]] > 0.8, i + ": " + Arrays.toString(s));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withoutATaggerTheAdapterSaysWhatToAdd(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Path manifest = dir.resolve(ModelManifest.FILE);
        Files.writeString(manifest, Files.readString(manifest).replaceAll("(?m)^audio\\..*$", ""));
        try (ModelSet models = ModelSet.load(dir, CPU)) {
            assertTrue(models.tagger().isEmpty(), "no tagger setup without the graph");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> models.registry().runner(CanonicalGraphs.AUDIO_TAGGER, GraphTimer.NONE));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("no audio.tagger model is loaded"), e.getMessage());
        }
    }

    @Test
    void aGraphWithOtherNamesIsRefusedNamingBothInterfaces(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        GraphBuilder g = new GraphBuilder("other_tagger");
        Value mel = g.input("mel", DType.FLOAT, "b", "t", 128);
        g.output("scores", g.sigmoid(g.reduceMean(mel, false, 1)), DType.FLOAT, "b", 128);
        Files.write(dir.resolve(TaggerFixture.GRAPH_FILE), g.build());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().startsWith("graph audio.tagger"), e.getMessage());
        assertTrue(e.getMessage().contains("input 'mel' is not one the adapter feeds"), e.getMessage());
        assertTrue(e.getMessage().contains("fbank [B,T,128] -> probs [B,C]"), e.getMessage());
        assertTrue(e.getMessage().contains("input_values [B,1024,128] -> logits [B,C]"), e.getMessage());
    }

    @Test
    void aDeclaredClassCountIsCheckedAtLoad(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Files.writeString(dir.resolve(TaggerFixture.LABELS_FILE), "index,mid,display_name\n0,/m/028v0c,Silence\n"
                + "1,/m/04rlf,Music\n");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().startsWith("audio.tagger declares 6 classes, but audio.labels "), e.getMessage());
        assertTrue(e.getMessage().contains("names 2"), e.getMessage());
    }

    @Test
    void aDynamicClassCountIsCheckedOnTheFirstRun(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        // An AST-interface tagger whose class count only a run tells (128 / 32 = 4 outputs), for 6 labels.
        GraphBuilder g = new GraphBuilder("dynamic_classes");
        Value x = g.input("input_values", DType.FLOAT, "b", 1024, 128);
        Value classes = g.div(g.slice(g.shape(x), new long[] {2}, new long[] {3}, new long[] {0}), g.longs(32));
        g.output("logits", g.sliceDynamic(g.reduceMean(x, false, 1), g.longs(0), classes, 1), DType.FLOAT,
                "b", "classes");
        Files.write(dir.resolve(TaggerFixture.GRAPH_FILE), g.build());
        try (ModelSet models = ModelSet.load(dir, CPU)) {
            assertEquals(-1, models.tagger().orElseThrow().declaredClasses());
            AudioTagger t = new AudioTagger(models.registry(), models.tagger().orElseThrow(), GraphTimer.NONE);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> t.scores(new float[RATE], 0, RATE));
            assertTrue(e.getMessage().startsWith("audio.tagger gave 4 classes, but audio.labels "), e.getMessage());
            assertTrue(e.getMessage().contains("names 6"), e.getMessage());
        }
    }

    @Test
    void aTaggerNeedsItsLabelsAndTheOldKeyStillLoads(@TempDir Path dir) throws Exception {
        FixtureModels.writeAll(dir);
        Path manifest = dir.resolve(ModelManifest.FILE);
        String good = Files.readString(manifest);
        Files.writeString(manifest, good.replaceAll("(?m)^audio\\.labels.*$", ""));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("names an audio tagger but no audio.labels: add a line 'audio.labels = "
                + "<file>'"), e.getMessage());
        assertTrue(e.getMessage().contains("class_labels_indices.csv"), e.getMessage());

        // beats.tagger, the key's old name, still loads as audio.tagger; naming both is refused.
        Files.writeString(manifest, good.replace("audio.tagger =", "beats.tagger ="));
        try (ModelSet models = ModelSet.load(dir, CPU)) {
            assertEquals("beats", new AudioTagger(models.registry(), models.tagger().orElseThrow(), GraphTimer.NONE).family());
        }
        Files.writeString(manifest, good + "beats.tagger = " + TaggerFixture.GRAPH_FILE + "\n");
        e = assertThrows(ModelLoadException.class, () -> ModelSet.load(dir, CPU));
        assertTrue(e.getMessage().contains("names audio.tagger twice (beats.tagger is its old name)"), e.getMessage());
    }

    /** Live tagging (online mode): {@code seconds} of tone in 0.1-s pieces, taken every second. */
    @Test
    void liveTaggingTagsEachSecondAsItCompletesAndHoldsLessThanAWindow() {
        LiveTagging live = new LiveTagging(beats, dev.refseg.lbru.LabelObjects.shipped(), 30);
        dev.refseg.v1.TagAudio take = dev.refseg.v1.TagAudio.newBuilder().setLive(true).setWindowSeconds(1).setTopK(2)
                .build();
        float[] bell = tones(0.1, 0.05, 500);
        float[] whistle = tones(0.1, 0.05, 1000);
        assertEquals(0, live.take(take, false).getWindowsCount(), "the first take fixes the window length");
        int windows = 0;
        for (int tenth = 0; tenth < 1200; tenth++) { // 120 s: four times the seconds limit
            live.add(tenth / 10 % 2 == 0 ? bell : whistle);
            assertTrue(live.heldSamples() < RATE, "held " + live.heldSamples());
            if (tenth % 10 == 9) {
                dev.refseg.v1.AudioLabels a = live.take(take, false);
                assertEquals(1, a.getWindowsCount(), "second " + tenth / 10);
                dev.refseg.v1.AudioWindow w = a.getWindows(0);
                assertEquals(windows, w.getStartSeconds(), 1e-9);
                assertEquals(windows + 1, w.getEndSeconds(), 1e-9);
                assertEquals(windows % 2 == 0 ? "Bell" : "Whistle", w.getLabels(0).getName());
                assertEquals(windows + 1, a.getAudioSeconds(), 1e-9);
                windows++;
            }
        }
        // The end of the input: a tail of at least the tagger's minimum is the last, shorter window.
        live.add(tones(0.5, 0.05, 500));
        dev.refseg.v1.AudioLabels end = live.take(take, true);
        assertEquals(1, end.getWindowsCount());
        assertEquals(120.5, end.getWindows(0).getEndSeconds(), 1e-9);
        assertEquals("Bell", end.getLabels(0).getName());
    }

    @Test
    void liveTaggingNotTakenIsBoundedByTheSecondsLimit() {
        LiveTagging live = new LiveTagging(beats, dev.refseg.lbru.LabelObjects.shipped(), 5);
        live.take(dev.refseg.v1.TagAudio.newBuilder().setLive(true).setWindowSeconds(1).build(), false);
        for (int s = 0; s < 5; s++) {
            live.add(tones(1, 0.05, 500));
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> live.add(tones(1, 0.05, 500)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("refseg.limits.max-audio-seconds"), e.getMessage());
        assertThrows(StatusRuntimeException.class, () -> live.take(dev.refseg.v1.TagAudio.newBuilder()
                .setLive(true).setWindowSeconds(2).build(), false), "the window length is fixed by the first take");
    }
}
