package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.eval.AvsMetrics;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.llm.FakeOpenAi;
import dev.refseg.llm.ReadingScript;
import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.segment.SessionSlots;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import dev.refseg.v1.AudioReferentGrpc;
import dev.refseg.v1.AudioReferentSpec;
import dev.refseg.v1.DescribeRequest;
import dev.refseg.v1.DescribeResponse;
import dev.refseg.v1.Fallback;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.Referent;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Stage;
import dev.refseg.v1.StageTiming;
import dev.refseg.v1.Summary;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Segment with an audio referent through the whole method (tagging, LBRU, candidates and the sounding
 * box per object, tracking, who sounds when) on synthetic clips whose objects emit tones, with the
 * fixture models and a fake LLM scripted per test. Scored as AVSBench scores: per frame the union of
 * the sounding objects' masks against the union of the sounding objects' truth.
 */
@QuarkusTest
@TestProfile(AvsProfile.class)
class SegmentAudioTest {
    static final FakeOpenAi FAKE = FakeLlmProfile.FAKE;

    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;
    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    /** Answers the LBRU question with {@code referent} and the sounding-box question with {@code box}. */
    static void script(String referent, String box) {
        FAKE.reset();
        FAKE.script(body -> {
            String prompt = ReadingScript.parse(body).prompt();
            return FakeOpenAi.Answer.text(prompt.contains("sound classifier") ? referent
                    : prompt.contains("proposed by an object detector") ? box : "unexpected question");
        });
    }

    static StreamClient.Outcome segment(SyntheticClip clip, AudioReferentSpec spec, SegmentOptions options)
            throws InterruptedException {
        try (StreamClient c = new StreamClient()) {
            return c.run(AvsClips.requests(clip, spec, options));
        }
    }

    /** mIoU of the sounding masks against the AVS truth, printed with the F-score for the record. */
    static double miou(String name, StreamClient.Outcome o, SyntheticClip clip) {
        return miou(name, o, clip, AvsClips.truth(clip));
    }

    static double miou(String name, StreamClient.Outcome o, SyntheticClip clip, List<BinaryMask> truth) {
        assertEquals(Status.Code.OK, o.status().getCode(), String.valueOf(o.status()));
        List<BinaryMask> got = AvsClips.sounding(o, clip.frameCount());
        double miou = AvsMetrics.meanIou(got, truth);
        if (miou < 0.85) { // what went wrong, frame by frame
            for (int f = 0; f < got.size(); f++) {
                System.out.printf(Locale.ROOT, "frame %d: IoU %.3f (got %d px, truth %d px)%n", f,
                        AvsMetrics.meanIou(got.subList(f, f + 1), truth.subList(f, f + 1)), got.get(f).area(),
                        truth.get(f).area());
            }
            o.events().stream().filter(e -> !e.hasMask()).forEach(e -> System.out.println(
                    com.google.protobuf.TextFormat.shortDebugString(e)));
        }
        System.out.printf(Locale.ROOT, "AVS %-24s mIoU %.4f  F-score %.4f%n", name, miou, AvsMetrics.fScore(got, truth));
        return miou;
    }

    static Summary summary(StreamClient.Outcome o) {
        return o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
    }

    static List<Referent> referents(StreamClient.Outcome o) {
        return o.of(SegmentResponse.EventCase.REFERENT).stream().map(SegmentResponse::getReferent).toList();
    }

    @Test
    void oneSoundingObjectIsSegmentedWithTheLlm() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        script("The red disc rings like a bell; music is abstract.\n[red | Bell | 3]", "[1]");
        StreamClient.Outcome o = segment(clip, AudioReferentSpec.getDefaultInstance(), SegmentOptions.getDefaultInstance());
        assertTrue(miou("one sounding (LLM)", o, clip) >= 0.85);

        List<SegmentResponse.EventCase> order = o.events().stream().map(SegmentResponse::getEventCase).toList();
        assertTrue(order.indexOf(SegmentResponse.EventCase.REFERENT) < order.indexOf(SegmentResponse.EventCase.KEY_FRAME));
        Referent r = referents(o).get(0);
        assertEquals("red", r.getText());
        assertEquals(1, r.getObjectId());
        assertEquals(List.of("Bell"), r.getLabelsList().stream().map(l -> l.getName()).toList());
        assertTrue(r.getLabels(0).getScore() > 0.5f);
        assertEquals(1, r.getSoundingCount());
        assertEquals(0.0, r.getSounding(0).getStartSeconds(), 1e-9);
        assertEquals(4.0, r.getSounding(0).getEndSeconds(), 1e-9);
        assertEquals(false, r.hasFallback());
        // The tile's third frame of five spread over 40 frames.
        assertEquals(20, r.getFrameIndex());

        // The LBRU question carried the tagger's labels (Music among them, for the LLM to drop) and the tile.
        String lbru = FAKE.requests.stream().filter(b -> b.contains("sound classifier")).findFirst().orElseThrow();
        ReadingScript.Request q = ReadingScript.parse(lbru);
        assertTrue(q.prompt().contains("\"Bell\"") && q.prompt().contains("\"Music\""), q.prompt());
        assertEquals(5, q.frames());
        assertTrue(q.image() != null);

        Summary s = summary(o);
        assertEquals(SelectionPath.SELECTION_PATH_LLM, s.getPath());
        assertEquals(1, s.getObjects());
        assertEquals(false, s.getReferentNotFound());
        List<Stage> stages = s.getTimingsList().stream().map(StageTiming::getStage).toList();
        assertTrue(stages.contains(Stage.STAGE_AUDIO_TAGGING) && stages.contains(Stage.STAGE_REFERENT), stages.toString());
        for (SegmentResponse e : o.of(SegmentResponse.EventCase.MASK)) {
            ObjectMask m = e.getMask().getObjects(0);
            assertEquals("red", m.getCategory());
            assertEquals(false, m.getSilent());
        }
    }

    /** The clip written as an MP4 with its sound as AAC. */
    static java.nio.file.Path mp4WithSound(SyntheticClip clip, java.nio.file.Path dir) throws Exception {
        java.nio.file.Path mp4 = dir.resolve("clip.mp4");
        dev.refseg.media.VideoWriter.write(mp4, clip.frames(), clip.width(), clip.height(), clip.spec().fps(),
                dev.refseg.media.VideoWriter.Options.DEFAULT.withAudio16k(clip.audio16k()));
        return mp4;
    }

    /** Segment with an audio referent (two objects) over a video file sent as media chunks, no AudioChunks. */
    static StreamClient.Outcome segmentFile(java.nio.file.Path file) throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        List<SegmentRequest> r = new ArrayList<>();
        r.add(SegmentRequest.newBuilder().setStart(dev.refseg.v1.Start.newBuilder()
                .setAudio(AudioReferentSpec.newBuilder().setMaxObjects(2))).build());
        for (int off = 0; off < bytes.length; off += 16 * 1024) {
            r.add(SegmentRequest.newBuilder().setMedia(dev.refseg.v1.MediaChunk.newBuilder()
                    .setData(ByteString.copyFrom(bytes, off, Math.min(16 * 1024, bytes.length - off)))).build());
        }
        try (StreamClient c = new StreamClient()) {
            return c.run(r);
        }
    }

    @Test
    void theAudioMayComeFromTheVideosOwnTrack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        SyntheticClip clip = AvsClips.twoAtDifferentTimes();
        script("[red | Bell | 1]\n[blue | Whistle | 5]", "[1]");
        StreamClient.Outcome o = segmentFile(mp4WithSound(clip, dir));
        // The AAC track is decoded to 16 kHz (its encoder delay trimmed by the container's edit list).
        assertEquals(4.0, summary(o).getAudioSeconds(), 0.07);
        assertTrue(miou("from the MP4's AAC track", o, clip) >= 0.85);
        assertEquals(List.of("red", "blue"), referents(o).stream().map(Referent::getText).toList());
    }

    @Test
    void aContainerTrackThatStartsLateIsAlignedByItsTimestamps(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        SyntheticClip clip = AvsClips.twoAtDifferentTimes();
        java.nio.file.Path mkv = dir.resolve("late.mkv");
        dev.refseg.media.AudioOffsetRemux.remux(mp4WithSound(clip, dir), mkv, 1.0); // the sound starts 1 s late
        script("[red | Bell | 2]\n[blue | Whistle | 5]", "[1]");
        StreamClient.Outcome o = segmentFile(mkv);
        // Frames 0-9 come before any sound; red sounds on 10-29, blue on 30-39 (its last second is past the video).
        // Matroska keeps no edit list, so the AAC encoder delay (64 ms) plays too: red's last 64 ms fall in the
        // third 1-s window, where the fixture tagger (loudest over time) hears it: frames 30-39 get both discs.
        assertTrue(miou("MKV, sound 1 s late", o, clip, AvsClips.truth(clip, 1.0)) >= 0.85);
    }

    @Test
    void twoObjectsSoundingAtDifferentTimesAreEachSegmentedWhileTheySound() throws Exception {
        SyntheticClip clip = AvsClips.twoAtDifferentTimes();
        script("[red | Bell | 1]\n[blue | Whistle | 5]", "[1]");
        StreamClient.Outcome o = segment(clip, AudioReferentSpec.newBuilder().setMaxObjects(2).build(),
                SegmentOptions.getDefaultInstance());
        assertTrue(miou("two at different times", o, clip) >= 0.85);
        List<Referent> refs = referents(o);
        assertEquals(List.of("red", "blue"), refs.stream().map(Referent::getText).toList());
        assertEquals(2.0, refs.get(0).getSounding(0).getEndSeconds(), 1e-9);
        assertEquals(2.0, refs.get(1).getSounding(0).getStartSeconds(), 1e-9);
        for (SegmentResponse e : o.of(SegmentResponse.EventCase.MASK)) {
            int f = e.getMask().getFrameIndex();
            for (ObjectMask m : e.getMask().getObjectsList()) {
                boolean sounds = m.getObjectId() == 1 ? f < 20 : f >= 20;
                assertEquals(!sounds, m.getSilent(), "frame " + f + " object " + m.getObjectId());
                if (!sounds) {
                    assertEquals(0, MaskProtos.fromRle(m.getRle(), "rle").area());
                }
            }
        }
        assertEquals(2, summary(o).getObjects());
    }

    @Test
    void ofTwoIdenticalObjectsOnlyTheSoundingOneIsSegmented() throws Exception {
        SyntheticClip clip = AvsClips.twinsOneSilent();
        // Candidates for "red": the box around both discs, the left half's (the sounding disc), the right half's.
        script("[red | Bell | 2]", "The left disc is the one ringing. [2]");
        StreamClient.Outcome o = segment(clip, AudioReferentSpec.getDefaultInstance(), SegmentOptions.getDefaultInstance());
        assertTrue(miou("twins, one silent", o, clip) >= 0.85);
        assertEquals(3, o.of(SegmentResponse.EventCase.CANDIDATES).get(0).getCandidates().getCandidatesCount());
        assertEquals(List.of(1), o.of(SegmentResponse.EventCase.KEY_BOX).get(0).getKeyBox().getCandidateIndicesList());
        String asked = FAKE.requests.stream().filter(b -> b.contains("proposed by an object detector")).findFirst()
                .orElseThrow();
        assertTrue(ReadingScript.parse(asked).prompt().contains("- box 3:"));
    }

    @Test
    void withoutTheLlmTheLabelTableNamesTheObject() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        script("unused", "unused");
        StreamClient.Outcome o = segment(clip, AudioReferentSpec.getDefaultInstance(),
                SegmentOptions.newBuilder().setDisableLlm(true).build());
        assertTrue(miou("one sounding (baseline)", o, clip) >= 0.85);
        assertEquals(0, FAKE.requests.size());
        Referent r = referents(o).get(0);
        assertEquals("red", r.getText());
        assertEquals(FallbackKind.FALLBACK_KIND_NO_LLM, r.getFallback().getKind());
        assertEquals(-1, r.getFrameIndex());
        assertEquals(SelectionPath.SELECTION_PATH_BASELINE, summary(o).getPath());
    }

    @Test
    void anUnreadableAnswerFallsBackToTheTableFlagged() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        script("It sounds like a bell to me.", "[1]");
        StreamClient.Outcome o = segment(clip, AudioReferentSpec.getDefaultInstance(), SegmentOptions.getDefaultInstance());
        assertTrue(miou("one sounding (unparsable)", o, clip) >= 0.85);
        Fallback f = referents(o).get(0).getFallback();
        assertEquals(FallbackKind.FALLBACK_KIND_LLM_UNPARSABLE, f.getKind());
        assertEquals(Stage.STAGE_REFERENT, f.getStage());
    }

    @Test
    void aSilentClipGivesEmptyMasksAndSaysWhy() throws Exception {
        SyntheticClip clip = AvsClips.silent();
        script("[red | Bell | 1]", "[1]");
        StreamClient.Outcome o = segment(clip, AudioReferentSpec.getDefaultInstance(), SegmentOptions.getDefaultInstance());
        assertEquals(Status.Code.OK, o.status().getCode(), String.valueOf(o.status()));
        assertEquals(0, FAKE.requests.size(), "nothing to ask the LLM about");
        for (BinaryMask m : AvsClips.sounding(o, clip.frameCount())) {
            assertEquals(0, m.area());
        }
        Summary s = summary(o);
        assertTrue(s.getReferentNotFound());
        assertEquals(0, s.getObjects());
        Fallback f = s.getFallbacks(0);
        assertEquals(FallbackKind.FALLBACK_KIND_NO_SOUND, f.getKind());
        assertTrue(f.getReason().contains("hears no sound"), f.getReason());
        assertEquals(0, referents(o).size());
    }

    static DescribeResponse describe(DescribeRequest r) throws InterruptedException {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().build();
        try {
            return AudioReferentGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).describe(r);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Five of the clip's frames, numbered as their positions in the video (0, 10, 20, 30, 39), given out of order. */
    static DescribeRequest.Builder describeRequest(SyntheticClip clip) {
        List<dev.refseg.v1.Frame> all = TextClips.frames(clip);
        DescribeRequest.Builder r = DescribeRequest.newBuilder().addAllAudio(AvsClips.audio(clip.audio16k()));
        for (int f : new int[] {30, 0, 10, 20, 39}) {
            r.addFrames(all.get(f));
        }
        return r;
    }

    @Test
    void describeNamesTheSoundingObjectsWithTheirFramesAndTimes() throws Exception {
        SyntheticClip clip = AvsClips.twoAtDifferentTimes();
        script("Two sources. [red | Bell | 2]\n[blue | Whistle; Music | 5]", "unused");
        DescribeResponse d = describe(describeRequest(clip).setMaxObjects(2).build());
        assertEquals(List.of("red", "blue"), d.getReferentsList().stream().map(Referent::getText).toList());
        // The tile shows the given frames in time order (0, 10, 20, 30, 39), whatever the request's order.
        assertEquals(10, d.getReferents(0).getFrameIndex());
        assertEquals(39, d.getReferents(1).getFrameIndex());
        assertEquals(java.util.Set.of("Whistle", "Music"), d.getReferents(1).getLabelsList().stream()
                .map(l -> l.getName()).collect(java.util.stream.Collectors.toSet()));
        assertEquals(2.0, d.getReferents(0).getSounding(0).getEndSeconds(), 1e-9);
        assertEquals(SelectionPath.SELECTION_PATH_LLM, d.getPath());
        assertEquals(4.0, d.getAudioSeconds(), 1e-6);
        assertEquals("beats", d.getTagger());
        assertTrue(d.getLabelsList().stream().anyMatch(l -> l.getName().equals("Music")));
        assertTrue(d.getReferents(0).getReasoning().startsWith("Two sources."));
        assertEquals(0, d.getFallbacksCount());

        // Without the LLM: the table, and the frame where the detector is most confident.
        DescribeResponse b = describe(describeRequest(AvsClips.oneSounding()).setDisableLlm(true).build());
        assertEquals("red", b.getReferents(0).getText());
        assertTrue(List.of(30, 0, 10, 20, 39).contains(b.getReferents(0).getFrameIndex()));
        assertEquals(FallbackKind.FALLBACK_KIND_NO_LLM, b.getReferents(0).getFallback().getKind());
    }

    @Test
    void aDescribeThatEndsWhileTheLlmThinksIsNotAnInternalError() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        FAKE.reset();
        FAKE.script(body -> FakeOpenAi.Answer.hold());
        double internal = meters.find("refseg.calls").tag("rpc", "Describe").tag("status", "INTERNAL").counters()
                .stream().mapToDouble(c -> c.count()).sum();
        ManagedChannel ch = ManagedChannelBuilder.forAddress("localhost", TestPorts.grpc()).usePlaintext().build();
        try {
            io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.grpc.StatusRuntimeException.class, () -> AudioReferentGrpc.newBlockingStub(ch)
                            .withDeadlineAfter(1500, TimeUnit.MILLISECONDS).describe(describeRequest(clip).build()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertTrue(FakeOpenAi.await(() -> FAKE.aborted.get() == 1 && FAKE.inFlight.get() == 0, 10_000),
                "the held LBRU question is aborted");
        assertTrue(FakeOpenAi.await(() -> meters.find("refseg.calls").tag("rpc", "Describe").counters().stream()
                .anyMatch(c -> c.getId().getTag("status").equals("CANCELLED")), 10_000), "counted as cancelled");
        assertEquals(internal, meters.find("refseg.calls").tag("rpc", "Describe").tag("status", "INTERNAL").counters()
                .stream().mapToDouble(c -> c.count()).sum(), 0.0);
    }

    @Test
    void describeRefusesBadRequestsNamingTheField() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        script("[red | Bell | 1]", "unused");
        Object[][] cases = {
            {describeRequest(clip).clearAudio(), "audio: has no chunks"},
            {describeRequest(clip).clearFrames(), "frames: has 0 frames"},
            {describeRequest(clip).setTopK(51), "top_k: must be in [0, 50]"},
            {describeRequest(clip).setMaxObjects(11), "max_objects: must be in [0, 10]"},
            {describeRequest(clip).addFrames(describeRequest(clip).getFrames(0)), "frames[5].index: index 30 appears twice"},
            {describeRequest(clip).clearAudio().addAllAudio(AvsClips.audio(new float[800])), "audio: 0.050 s of audio"},
        };
        for (Object[] c : cases) {
            io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    io.grpc.StatusRuntimeException.class, () -> describe(((DescribeRequest.Builder) c[0]).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().startsWith((String) c[1]), e.getStatus().getDescription());
        }
        assertEquals("red", describe(describeRequest(clip).build()).getReferents(0).getText());
    }

    @Test
    void badAudioGetsItsOwnStatusAndTheServerKeepsServing() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        script("[red | Bell | 3]", "[1]");
        Function<List<AudioChunk>, StreamClient.Outcome> withAudio = audio -> {
            List<SegmentRequest> r = new ArrayList<>(AvsClips.requests(clip, AudioReferentSpec.getDefaultInstance(),
                    SegmentOptions.getDefaultInstance()));
            r.removeIf(SegmentRequest::hasAudio);
            audio.forEach(a -> r.add(SegmentRequest.newBuilder().setAudio(a).build()));
            try (StreamClient c = new StreamClient()) {
                return c.run(r);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        };
        StreamClient.Outcome none = withAudio.apply(List.of());
        assertEquals(Status.Code.INVALID_ARGUMENT, none.status().getCode());
        assertTrue(none.status().getDescription().startsWith("audio: no audio samples were received"),
                none.status().getDescription());

        StreamClient.Outcome shortAudio = withAudio.apply(AvsClips.audio(new float[1600])); // 0.1 s
        assertEquals(Status.Code.INVALID_ARGUMENT, shortAudio.status().getCode());
        assertTrue(shortAudio.status().getDescription().contains("shorter than the beats tagger's minimum of 0.175 s"),
                shortAudio.status().getDescription());

        ByteBuffer nan = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(0).putFloat(Float.NaN)
                .putFloat(0).putFloat(0);
        StreamClient.Outcome bad = withAudio.apply(List.of(AudioChunk.newBuilder()
                .setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_F32LE).setSampleRateHz(16_000).setChannels(1)
                .setData(ByteString.copyFrom(nan.array())).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.status().getCode());
        assertTrue(bad.status().getDescription().startsWith("audio[0].data: sample 1"), bad.status().getDescription());

        StreamClient.Outcome topK = segment(clip, AudioReferentSpec.newBuilder().setTopK(51).build(),
                SegmentOptions.getDefaultInstance());
        assertEquals(Status.Code.INVALID_ARGUMENT, topK.status().getCode());
        assertTrue(topK.status().getDescription().startsWith("start.audio.top_k"), topK.status().getDescription());

        assertTrue(miou("after bad audio", segment(clip, AudioReferentSpec.getDefaultInstance(),
                SegmentOptions.getDefaultInstance()), clip) >= 0.85);
    }
}
