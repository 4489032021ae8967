package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.mask.MaskProtos;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioReferentSpec;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.Mode;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.PassDirection;
import dev.refseg.v1.Referent;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Online mode with an audio referent (README "Online mode"): LBRU and the sounding box on the first
 * window's frames and audio, then each live frame's masks decided by its second of audio as it arrives.
 * The synthetic clips of {@link AvsClips} (tones in the fixture tagger's bands), their frames and PCM
 * chunks interleaved as a live device sends them (each half second of audio after its frames), scored
 * as AVSBench scores. The audio wait is long here ({@link AvsProfile}) so that no frame is late on a
 * busy machine: no assertion depends on timing.
 */
@QuarkusTest
@TestProfile(AvsProfile.class)
class SegmentOnlineAudioTest extends OnlineTestBase {
    /** The clip's requests as an online stream whose first window is {@code windowFrames} frames. */
    static List<SegmentRequest> online(SyntheticClip clip, AudioReferentSpec spec, int windowFrames) {
        List<SegmentRequest> r = new ArrayList<>(AvsClips.requests(clip, spec,
                SegmentOptions.newBuilder().setWindowFrames(windowFrames).build()));
        r.set(0, r.get(0).toBuilder().setStart(r.get(0).getStart().toBuilder().setMode(Mode.MODE_ONLINE)).build());
        return r;
    }

    static StreamClient.Outcome run(List<SegmentRequest> requests) throws InterruptedException {
        try (StreamClient c = new StreamClient()) {
            return c.run(requests);
        }
    }

    static List<MaskFrame> masks(StreamClient.Outcome o) {
        return o.of(SegmentResponse.EventCase.MASK).stream().map(SegmentResponse::getMask).toList();
    }

    @Test
    void oneSoundingObjectOnALiveStream() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        SegmentAudioTest.script("[red | Bell | 3]", "[1]");
        StreamClient.Outcome o = run(online(clip, AudioReferentSpec.getDefaultInstance(), 10));
        // Every frame exactly one MaskFrame (AvsClips.sounding checks), the sounding union against the truth.
        assertTrue(SegmentAudioTest.miou("online, one sounding", o, clip) >= 0.85);
        Referent r = SegmentAudioTest.referents(o).get(0);
        assertEquals("red", r.getText());
        // The tile is the first window's: its third of five frames spread over frames 0-9.
        assertEquals(5, r.getFrameIndex());
        List<MaskFrame> masks = masks(o);
        assertEquals(clip.frameCount(), masks.size());
        for (MaskFrame m : masks) {
            if (m.getFrameIndex() >= 10) {
                assertEquals(PassDirection.PASS_DIRECTION_LIVE, m.getDirection(), "after the first window");
            }
            assertEquals(false, m.getAudioLate(), "frame " + m.getFrameIndex());
            assertEquals("red", m.getObjects(0).getCategory());
            assertEquals(false, m.getObjects(0).getSilent(), "frame " + m.getFrameIndex());
        }
        Summary s = SegmentAudioTest.summary(o);
        assertEquals(SelectionPath.SELECTION_PATH_LLM, s.getPath());
        assertEquals(1, s.getObjects());
        assertEquals(4.0, s.getAudioSeconds(), 1e-9);
    }

    @Test
    void twoObjectsSwitchBetweenSoundingAndSilentLive() throws Exception {
        SyntheticClip clip = AvsClips.redThenBlueLonger();
        SegmentAudioTest.script("[red | Bell | 1]\n[blue | Whistle | 5]", "[1]");
        // A 3-s first window hears both (red 0-4 s, blue from 2 s); red falls silent live, at 4 s.
        StreamClient.Outcome o = run(online(clip, AudioReferentSpec.newBuilder().setMaxObjects(2).build(), 30));
        assertTrue(SegmentAudioTest.miou("online, two in turn", o, clip) >= 0.85);
        assertEquals(List.of("red", "blue"), SegmentAudioTest.referents(o).stream().map(Referent::getText).toList());
        for (MaskFrame m : masks(o)) {
            int f = m.getFrameIndex();
            if (f >= 30) {
                assertEquals(PassDirection.PASS_DIRECTION_LIVE, m.getDirection(), "frame " + f);
            }
            assertEquals(2, m.getObjectsCount(), "frame " + f);
            for (ObjectMask om : m.getObjectsList()) {
                boolean sounds = om.getObjectId() == 1 ? f < 40 : f >= 20;
                assertEquals(!sounds, om.getSilent(), "frame " + f + " object " + om.getObjectId());
                if (!sounds) {
                    assertEquals(0, MaskProtos.fromRle(om.getRle(), "rle").area(), "frame " + f);
                }
            }
        }
        assertEquals(2, SegmentAudioTest.summary(o).getObjects());
    }

    @Test
    void cancellingWhileAFrameWaitsForItsAudioLeaksNothing() throws Exception {
        SyntheticClip clip = AvsClips.oneSounding();
        SegmentAudioTest.script("[red | Bell | 3]", "[1]");
        List<SegmentRequest> all = online(clip, AudioReferentSpec.getDefaultInstance(), 10);
        // Every frame, but the audio only of the first second: frame 10 on wait for audio that never comes.
        List<SegmentRequest> sent = new ArrayList<>();
        int audio = 0;
        for (SegmentRequest r : all) {
            if (r.hasAudio() && ++audio > 2) {
                continue;
            }
            sent.add(r);
        }
        try (StreamClient c = new StreamClient()) {
            StreamClient.Call call = c.open();
            sent.forEach(call.requests::onNext);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(StreamClient.TIMEOUT_S);
            while (call.eventsSoFar().stream().filter(SegmentResponse::hasMask).count() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(10, call.eventsSoFar().stream().filter(SegmentResponse::hasMask).count(),
                    "the first window's frames are answered, the next waits for its second of audio");
            ((ClientCallStreamObserver<SegmentRequest>) call.requests).cancel("test cancels", null);
            assertEquals(Status.Code.CANCELLED, call.await().status().getCode());
        }
        // OnlineTestBase: no session, tracker, slot, scratch file or audio resampler is left.
    }

    @Test
    void encodedAudioIsRefusedOnlineNamingTheChunk() throws Exception {
        List<SegmentRequest> r = new ArrayList<>(online(AvsClips.oneSounding(), AudioReferentSpec.getDefaultInstance(), 10)
                .subList(0, 3));
        r.add(SegmentRequest.newBuilder().setAudio(dev.refseg.v1.AudioChunk.newBuilder()
                .setEncoding(dev.refseg.v1.AudioEncoding.AUDIO_ENCODING_AAC)
                .setData(com.google.protobuf.ByteString.copyFromUtf8("not pcm"))).build());
        StreamClient.Outcome o = run(r);
        assertEquals(Status.Code.INVALID_ARGUMENT, o.status().getCode());
        assertTrue(o.description().contains("audio[0].encoding") && o.description().contains("PCM"), o.description());
    }

    @Test
    void aFirstWindowWithoutAudioIsRefusedNamingAudio() throws Exception {
        List<SegmentRequest> r = online(AvsClips.oneSounding(), AudioReferentSpec.getDefaultInstance(), 10).stream()
                .filter(q -> !q.hasAudio()).toList();
        StreamClient.Outcome o = run(r);
        assertEquals(Status.Code.INVALID_ARGUMENT, o.status().getCode());
        assertTrue(o.description().startsWith("audio:"), o.description());
        assertEquals(0, o.of(SegmentResponse.EventCase.MASK).size());
    }

    /**
     * Resume of an audio referent (Resume.sources): the red disc sounds 0-4 s, the blue square from 2 s; the
     * stream is resumed after frame 50 (5 s: red silent, blue sounding) with the key frame's and frame 50's
     * masks and what the first stream's Referent events said of each object. The resumed call asks the LLM
     * nothing, and who sounds when carries on from the resumed audio: red stays silent, blue sounds.
     */
    @Test
    void anAudioReferentResumesFromItsMasksAndSourcesWithoutTheLlm() throws Exception {
        SyntheticClip clip = AvsClips.redThenBlueLonger();
        AudioReferentSpec two = AudioReferentSpec.newBuilder().setMaxObjects(2).build();
        StreamClient.Outcome first = firstStream(clip, two);
        int last = 50;
        dev.refseg.v1.Resume.Builder resume = resumeFrom(first, last);
        FAKE.reset();
        StreamClient.Outcome resumed = run(resumedRequests(clip, two, resume.build(), resume.getKeyFrameIndex(), last));
        assertEquals(Status.Code.OK, resumed.status().getCode(), String.valueOf(resumed.status()));
        assertEquals(0, FAKE.requests.size(), "the resumed call asked the LLM");
        assertEquals(SelectionPath.SELECTION_PATH_RESUMED, SegmentAudioTest.summary(resumed).getPath());
        List<MaskFrame> after = masks(resumed);
        assertEquals(java.util.stream.IntStream.range(last + 1, clip.frameCount()).boxed().toList(),
                after.stream().map(MaskFrame::getFrameIndex).toList(), "every frame after the last once, in order");
        List<dev.refseg.mask.BinaryMask> truth = AvsClips.truth(clip).subList(last + 1, clip.frameCount());
        List<dev.refseg.mask.BinaryMask> got = after.stream().map(m -> MaskProtos.fromRle(m.getSounding(), "sounding"))
                .toList();
        double miou = dev.refseg.eval.AvsMetrics.meanIou(got, truth);
        System.out.printf("audio resume after frame %d: AVS mIoU %.4f on the %d frames after it%n", last, miou,
                after.size());
        assertTrue(miou >= 0.85, "mIoU after the resume " + miou);
        for (MaskFrame m : after) {
            assertEquals(false, m.getAudioLate(), "frame " + m.getFrameIndex());
            for (ObjectMask om : m.getObjectsList()) {
                assertEquals(om.getObjectId() == 1 ? "red" : "blue", om.getCategory());
                assertEquals(om.getObjectId() == 1, om.getSilent(), "frame " + m.getFrameIndex() + " object "
                        + om.getObjectId());
            }
        }
    }

    /**
     * With audio_offset_seconds, a resumed stream's 1-s windows keep the first stream's boundaries: resumed
     * after frame 35 (its audio starting at 3.6 s, mid-window), the red disc (sounding 0-4 s) sounds through
     * frame 39 and falls silent at frame 40, exactly as in the uncut stream.
     */
    @Test
    void aResumedAudioKeepsTheFirstStreamsWindowsWithItsOffset() throws Exception {
        SyntheticClip clip = AvsClips.redThenBlueLonger();
        AudioReferentSpec two = AudioReferentSpec.newBuilder().setMaxObjects(2).build();
        StreamClient.Outcome first = firstStream(clip, two);
        int last = 35;
        dev.refseg.v1.Resume.Builder resume = resumeFrom(first, last).setAudioOffsetSeconds((last + 1) / clip.spec().fps());
        StreamClient.Outcome resumed = run(resumedRequests(clip, two, resume.build(), resume.getKeyFrameIndex(), last));
        assertEquals(Status.Code.OK, resumed.status().getCode(), String.valueOf(resumed.status()));
        for (MaskFrame m : masks(resumed)) {
            ObjectMask red = m.getObjectsList().stream().filter(o -> o.getObjectId() == 1).findFirst().orElseThrow();
            assertEquals(m.getFrameIndex() >= 40, red.getSilent(), "frame " + m.getFrameIndex());
        }
        double miou = dev.refseg.eval.AvsMetrics.meanIou(masks(resumed).stream()
                .map(m -> MaskProtos.fromRle(m.getSounding(), "sounding")).toList(),
                AvsClips.truth(clip).subList(last + 1, clip.frameCount()));
        System.out.printf("audio resume after frame %d with its offset: AVS mIoU %.4f%n", last, miou);
        assertTrue(miou >= 0.85, "mIoU " + miou);
        // Refused: an offset with a text referent, or out of range (SegmentResumeTest has the other checks).
        dev.refseg.v1.Resume.Builder bad = resume.clone().setAudioOffsetSeconds(Double.NaN);
        StreamClient.Outcome refused = run(resumedRequests(clip, two, bad.build(), resume.getKeyFrameIndex(), last));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.status().getCode());
        assertTrue(refused.description().contains("start.resume.audio_offset_seconds"), refused.description());
    }

    /** The two-object stream of the resume tests, whole, with the LLM naming red and blue. */
    private static StreamClient.Outcome firstStream(SyntheticClip clip, AudioReferentSpec two) throws Exception {
        SegmentAudioTest.script("[red | Bell | 1]\n[blue | Whistle | 5]", "[1]");
        StreamClient.Outcome first = run(online(clip, two, 30));
        assertEquals(Status.Code.OK, first.status().getCode(), String.valueOf(first.status()));
        return first;
    }

    /** A resume after frame {@code last} of a finished first stream: its masks, the key frame's and the sources. */
    private static dev.refseg.v1.Resume.Builder resumeFrom(StreamClient.Outcome first, int last) {
        MaskFrame lastMask = masks(first).stream().filter(m -> m.getFrameIndex() == last).findFirst().orElseThrow();
        MaskFrame key = masks(first).stream().filter(m -> m.getDirection() == PassDirection.PASS_DIRECTION_PROMPT)
                .findFirst().orElseThrow();
        dev.refseg.v1.Resume.Builder resume = dev.refseg.v1.Resume.newBuilder().setLastFrameIndex(last)
                .addAllLastMasks(SegmentResumeTest.masks(lastMask)).setKeyFrameIndex(key.getFrameIndex())
                .addAllKeyMasks(SegmentResumeTest.masks(key));
        for (Referent r : SegmentAudioTest.referents(first)) {
            resume.addSources(dev.refseg.v1.ResumeSource.newBuilder().setObjectId(r.getObjectId()).setCategory(r.getText())
                    .addAllLabels(r.getLabelsList().stream().map(dev.refseg.v1.AudioLabel::getName).toList()));
        }
        return resume;
    }

    /** The resumed stream: Start with resume, the key and last pictures, then the frames after the last with
     * their audio (which starts at frame last + 1's time), half a second after its frames. */
    private static List<SegmentRequest> resumedRequests(SyntheticClip clip, AudioReferentSpec spec,
            dev.refseg.v1.Resume resume, int key, int last) {
        List<SegmentRequest> r = new ArrayList<>();
        r.add(SegmentRequest.newBuilder().setStart(dev.refseg.v1.Start.newBuilder().setAudio(spec)
                .setMode(Mode.MODE_ONLINE).setResume(resume).setOptions(SegmentOptions.newBuilder()
                        .setFps(clip.spec().fps()))).build());
        List<dev.refseg.v1.Frame> frames = TextClips.frames(clip);
        r.add(SegmentRequest.newBuilder().setFrame(frames.get(key)).build());
        r.add(SegmentRequest.newBuilder().setFrame(frames.get(last)).build());
        float[] pcm = clip.audio16k();
        int from = (int) Math.round((last + 1) / clip.spec().fps() * 16_000);
        List<dev.refseg.v1.AudioChunk> audio = AvsClips.audio(java.util.Arrays.copyOfRange(pcm, from, pcm.length));
        for (int i = last + 1, k = 0; i < clip.frameCount(); i++, k++) {
            r.add(SegmentRequest.newBuilder().setFrame(frames.get(i)).build());
            if (k % 5 == 4 && k / 5 < audio.size()) {
                r.add(SegmentRequest.newBuilder().setAudio(audio.get(k / 5)).build());
            }
        }
        int sentChunks = (clip.frameCount() - last - 1) / 5;
        for (int k = sentChunks; k < audio.size(); k++) { // the tail of the audio, after the last frame
            r.add(SegmentRequest.newBuilder().setAudio(audio.get(k)).build());
        }
        return r;
    }
}
