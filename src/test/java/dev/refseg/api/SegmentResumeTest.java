package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.mask.BinaryMask;
import dev.refseg.mask.MaskProtos;
import dev.refseg.synth.ClipSpec;
import dev.refseg.v1.MaskFrame;
import dev.refseg.v1.Mode;
import dev.refseg.v1.ObjectMask;
import dev.refseg.v1.Resume;
import dev.refseg.v1.ResumeMask;
import dev.refseg.v1.RleMask;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SelectionPath;
import dev.refseg.v1.Start;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stateless resume of an online stream (segmenter.proto, Resume): a stream cut after 1,000 frames is
 * resumed from the client's last mask on a server that holds nothing of the first call (every session,
 * tracker and slot released before the resume starts), with no LLM request, and tracks as well as
 * before; plus a refusal naming the field for every bad resume input.
 */
@QuarkusTest
@TestProfile(FakeLlmProfile.class)
class SegmentResumeTest extends OnlineTestBase {
    static final int FRAMES = 1600;
    static final int CUT_AFTER = 1000;

    /** The masks of a MaskFrame as a client gives them back. */
    static List<ResumeMask> masks(MaskFrame m) {
        return m.getObjectsList().stream().map(o -> ResumeMask.newBuilder().setObjectId(o.getObjectId())
                .setRle(o.getRle()).build()).toList();
    }

    /** Streams the clip online, cuts it (the client cancels) after {@link #CUT_AFTER} frames. */
    private LiveStream.Result cutStream() throws InterruptedException {
        try (StreamClient c = new StreamClient()) {
            LiveStream.Result first = new LiveStream(LiveStream.clip(FRAMES), "the red disc", LiveStream.WINDOW)
                    .run(c, 1_000_000, 0, i -> i + 1 < CUT_AFTER);
            // The server holds nothing of the first call any more: a resume cannot read its session.
            Leaks.assertAllReleased(inference, slots);
            assertTrue(FAKE.requests.size() > 0, "the first call selected with the LLM");
            assertTrue(first.last != null && first.last.getFrameIndex() > CUT_AFTER / 2,
                    "last mask " + (first.last == null ? "none" : first.last.getFrameIndex()));
            return first;
        }
    }

    private LiveStream.Result resume(Resume resume) throws InterruptedException {
        FAKE.reset();
        try (StreamClient c = new StreamClient()) {
            return new LiveStream(LiveStream.clip(FRAMES), "the red disc", LiveStream.WINDOW, resume)
                    .run(c, 0, 0, i -> true);
        }
    }

    private static void resumedWell(LiveStream.Result r, int last, String what) {
        assertEquals(Status.Code.OK, r.status.getCode(), String.valueOf(r.status));
        assertEquals(0, r.duplicates);
        assertEquals(0, r.missing(), "frames after the resume never answered");
        assertNull(r.orderProblem);
        assertEquals(FRAMES - last - 1, r.masks, "one MaskFrame per frame after the last one, none for the seeds");
        assertEquals(FRAMES - last - 1, r.summary.getMasksOut());
        assertEquals(SelectionPath.SELECTION_PATH_RESUMED, r.summary.getPath());
        assertEquals(1, r.summary.getObjects());
        assertEquals(0, FAKE.requests.size(), "LLM requests for the resumed call");
        System.out.printf("resumed after frame %d (%s): %d frames, mean J %.3f, J&F %.3f%n", last, what, r.masks,
                r.meanJ(), r.meanJf());
        assertTrue(r.meanJ() >= 0.85, "mean J after the resume " + r.meanJ());
    }

    @Test
    void aStreamCutAfter1000FramesResumesFromTheLastMaskWithoutTheLlm() throws Exception {
        LiveStream.Result first = cutStream();
        int last = first.last.getFrameIndex();
        LiveStream.Result r = resume(Resume.newBuilder().setLastFrameIndex(last).addAllLastMasks(masks(first.last))
                .build());
        resumedWell(r, last, "last mask only");
    }

    @Test
    void aResumeMayAddTheKeyFramesMasks() throws Exception {
        LiveStream.Result first = cutStream();
        int last = first.last.getFrameIndex();
        LiveStream.Result r = resume(Resume.newBuilder().setLastFrameIndex(last).addAllLastMasks(masks(first.last))
                .setKeyFrameIndex(first.key.getFrameIndex()).addAllKeyMasks(masks(first.key)).build());
        resumedWell(r, last, "and the key frame " + first.key.getFrameIndex());
    }

    @Test
    void reacquisitionOnAResumedStreamLooksAtAWholeWindowAndNumbersFramesAsTheClientDoes() throws Exception {
        // The red disc of SegmentReacquisitionTest leaves at frame 29 and comes back at 59: the first stream is
        // cut after 33 frames, the resumed one re-acquires during the absence (reacquire-after 2 s = 20 frames
        // from its first frame, where it sees the disc absent).
        ClipSpec spec = SegmentReacquisitionTest.clip(160, 117);
        LiveStream.Result first;
        LiveStream cut = new LiveStream(spec, "the red disc", LiveStream.WINDOW);
        try (StreamClient c = new StreamClient()) {
            first = cut.run(c, 1_000_000, 0, i -> {
                if (i + 1 == 33) { // the cut comes once the frames sent have masks
                    try {
                        dev.refseg.llm.FakeOpenAi.await(() -> cut.answered.get() >= 32, 30_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return i + 1 < 33;
            });
        }
        int last = first.last.getFrameIndex();
        Resume resume = Resume.newBuilder().setLastFrameIndex(last).addAllLastMasks(masks(first.last))
                .setKeyFrameIndex(first.key.getFrameIndex()).addAllKeyMasks(masks(first.key)).build();
        FakeLlmProfile.readingScript();
        LiveStream.Result r;
        try (StreamClient c = new StreamClient()) {
            r = new LiveStream(spec, "the red disc", LiveStream.WINDOW, resume).run(c, 0,
                    SegmentReacquisitionTest.READ_DELAY_NANOS, i -> true);
        }
        assertEquals(Status.Code.OK, r.status.getCode(), String.valueOf(r.status));
        r.reacquisitions.forEach(e -> System.out.printf("resumed reacquisition: %s%n", e.toString().replace('\n', ' ')));
        assertFalse(r.reacquisitions.isEmpty(), "no re-acquisition on the resumed stream");
        int window = LiveStream.WINDOW.getWindowFrames();
        for (dev.refseg.v1.Reacquisition e : r.reacquisitions) {
            // In the client's numbering: after the resume's last frame and within the clip; the window starts
            // no earlier than the absence (frame 29) and spans up to window_frames of received frames.
            assertTrue(e.getTriggerFrameIndex() > last + 2 && e.getTriggerFrameIndex() < spec.frames(), e.toString());
            assertTrue(e.getWindowStart() >= 29 && e.getWindowEnd() <= spec.frames(), e.toString());
            assertTrue(e.getWindowEnd() - e.getWindowStart() > 2 && e.getWindowEnd() - e.getWindowStart() <= window,
                    "the window is the seed pictures' size, not window_frames: " + e);
            assertTrue(e.getTriggerFrameIndex() - 29 >= 19, "triggered before 2 s of absence: " + e);
            if (e.getFound()) {
                assertTrue(e.getFrameIndex() >= e.getWindowStart() && e.getFrameIndex() < e.getWindowEnd(), e.toString());
            }
        }
    }

    @Test
    void aResumedStreamWithoutItsSeedPicturesIsRefused() throws Exception {
        refused(call(Mode.MODE_ONLINE, 0, good()), Status.Code.INVALID_ARGUMENT, "frame", "seed picture");
    }

    @Test
    void moreObjectsThanTrackingTakesAreRefusedAtStart() throws Exception {
        Resume.Builder many = Resume.newBuilder().setLastFrameIndex(LAST);
        for (int id = 1; id <= 17; id++) {
            many.addLastMasks(mask(id, square(H, W, 10)));
        }
        refused(call(Mode.MODE_ONLINE, 20, many, LAST, LAST + 1), Status.Code.RESOURCE_EXHAUSTED,
                "start.resume.last_masks", "refseg.limits.max-tracked-objects");
    }

    // ---- bad input: each refused with INVALID_ARGUMENT (or RESOURCE_EXHAUSTED) naming the field ----------

    private static final int W = 80;
    private static final int H = 60;
    private static final int LAST = 10;

    private static RleMask square(int h, int w, int side) {
        BinaryMask m = BinaryMask.empty(h, w);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                m.set(y + 5, x + 5, true);
            }
        }
        return MaskProtos.rle(m);
    }

    private static ResumeMask mask(int id, RleMask rle) {
        return ResumeMask.newBuilder().setObjectId(id).setRle(rle).build();
    }

    private static Resume.Builder good() {
        return Resume.newBuilder().setLastFrameIndex(LAST).addLastMasks(mask(1, square(H, W, 10)));
    }

    /** Start with the resume, then the frames of the clip at these indices. */
    private static List<SegmentRequest> call(Mode mode, int maxObjects, Resume.Builder resume, int... frames) {
        LiveStream clip = new LiveStream(LiveStream.clip(40), "the red disc", LiveStream.WINDOW);
        List<SegmentRequest> reqs = new ArrayList<>();
        reqs.add(SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc").setMode(mode)
                .setOptions(LiveStream.WINDOW.toBuilder().setMaxObjects(maxObjects)).setResume(resume)).build());
        for (int i : frames) {
            reqs.add(SegmentRequest.newBuilder().setFrame(clip.frame(i)).build());
        }
        return reqs;
    }

    private static void refused(List<SegmentRequest> reqs, Status.Code code, String... fragments) throws Exception {
        try (StreamClient c = new StreamClient()) {
            StreamClient.Outcome o = c.run(reqs);
            assertEquals(code, o.status().getCode(), o.description());
            for (String f : fragments) {
                assertTrue(o.description().contains(f), "'" + o.description() + "' lacks '" + f + "'");
            }
        }
    }

    private static void refused(Resume.Builder resume, String... fragments) throws Exception {
        refused(call(Mode.MODE_ONLINE, 0, resume, LAST, LAST + 1), Status.Code.INVALID_ARGUMENT, fragments);
    }

    @Test
    void theGoodResumeOfTheseTestsIsServed() throws Exception {
        try (StreamClient c = new StreamClient()) {
            StreamClient.Outcome o = c.run(call(Mode.MODE_ONLINE, 0, good(), LAST, LAST + 1, LAST + 2));
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
            List<Integer> indices = o.events().stream().filter(e -> e.hasMask()).map(e -> e.getMask().getFrameIndex())
                    .toList();
            assertEquals(List.of(LAST + 1, LAST + 2), indices, "the old numbering, no MaskFrame for the seed");
            assertEquals(0, FAKE.requests.size());
        }
    }

    @Test
    void resumeOutsideOnlineMode() throws Exception {
        refused(call(Mode.MODE_OFFLINE, 0, good(), LAST), Status.Code.INVALID_ARGUMENT, "start.resume", "MODE_ONLINE");
    }

    @Test
    void lastFrameIndexReadUnsignedAndBounded() throws Exception {
        refused(good().setLastFrameIndex(-1), "start.resume.last_frame_index", "4294967295");
        refused(good().setLastFrameIndex(Integer.MAX_VALUE), "start.resume.last_frame_index", "2147483647");
    }

    @Test
    void lastMasksMissingOrTooMany() throws Exception {
        refused(good().clearLastMasks(), "start.resume.last_masks", "is empty");
        refused(call(Mode.MODE_ONLINE, 1, good().addLastMasks(mask(2, square(H, W, 8))), LAST),
                Status.Code.INVALID_ARGUMENT, "start.resume.last_masks", "max_objects 1");
    }

    @Test
    void objectIds() throws Exception {
        refused(good().setLastMasks(0, mask(0, square(H, W, 10))), "start.resume.last_masks[0].object_id", "[1, 65535]");
        refused(good().setLastMasks(0, mask(65_536, square(H, W, 10))), "start.resume.last_masks[0].object_id");
        refused(good().addLastMasks(mask(1, square(H, W, 8))), "start.resume.last_masks[1].object_id", "twice");
    }

    @Test
    void maskSizes() throws Exception {
        refused(good().addLastMasks(mask(2, square(H, W + 1, 8))), "start.resume.last_masks[1].rle.size");
        refused(good().setLastMasks(0, mask(1, square(H + 2, W, 10))), "start.resume.last_masks", "the frames are [60, 80]");
        refused(good().setLastMasks(0, ResumeMask.newBuilder().setObjectId(1)), "start.resume.last_masks[0].rle");
        refused(good().setLastMasks(0, mask(1, RleMask.newBuilder().addSize(H).addSize(W).setCounts("@@@").build())),
                "start.resume.last_masks[0].rle.counts");
        refused(call(Mode.MODE_ONLINE, 0, good().setLastMasks(0, mask(1, square(5000, W, 10))), LAST),
                Status.Code.RESOURCE_EXHAUSTED, "start.resume.last_masks[0].rle.size[0]", "refseg.limits.max-height");
    }

    @Test
    void anObjectWithNoPixels() throws Exception {
        refused(good().setLastMasks(0, mask(1, MaskProtos.rle(BinaryMask.empty(H, W)))),
                "start.resume.last_masks[0].rle", "no pixel set");
    }

    @Test
    void keyFrame() throws Exception {
        refused(good().setKeyFrameIndex(3), "start.resume.key_frame_index", "key_masks is empty");
        refused(good().setKeyFrameIndex(LAST).addKeyMasks(mask(1, square(H, W, 10))), "start.resume.key_frame_index",
                "not before");
        refused(good().setKeyFrameIndex(2).addKeyMasks(mask(7, square(H, W, 10))), "start.resume.key_masks[0].object_id",
                "not among");
        // With key masks the key frame's picture comes first: a stream that sends only the last frame's is
        // out of order, and one that ends after the first seed picture cannot be seeded.
        refused(good().setKeyFrameIndex(2).addKeyMasks(mask(1, square(H, W, 10))), "frame.index", "expected 2");
        refused(call(Mode.MODE_ONLINE, 0, good().setKeyFrameIndex(2).addKeyMasks(mask(1, square(H, W, 10))), 2),
                Status.Code.INVALID_ARGUMENT, "seed picture");
    }

    @Test
    void framesOutOfTheResumeOrder() throws Exception {
        refused(call(Mode.MODE_ONLINE, 0, good(), LAST + 1), Status.Code.INVALID_ARGUMENT, "frame.index",
                "expected " + LAST);
        refused(call(Mode.MODE_ONLINE, 0, good(), LAST, LAST + 2), Status.Code.INVALID_ARGUMENT, "frame.index",
                "expected " + (LAST + 1));
    }

    /** Start with an audio referent and the resume, then the frames LAST and LAST + 1. */
    private static List<SegmentRequest> audioCall(Resume.Builder resume) {
        List<SegmentRequest> reqs = new ArrayList<>(call(Mode.MODE_ONLINE, 0, resume, LAST, LAST + 1));
        reqs.set(0, SegmentRequest.newBuilder().setStart(reqs.get(0).getStart().toBuilder()
                .setAudio(dev.refseg.v1.AudioReferentSpec.getDefaultInstance())).build());
        return reqs;
    }

    private static dev.refseg.v1.ResumeSource.Builder source(int id, String category, String... labels) {
        return dev.refseg.v1.ResumeSource.newBuilder().setObjectId(id).setCategory(category).addAllLabels(List.of(labels));
    }

    @Test
    void sourcesAreForAudioReferentsAndCheckedFieldByField() throws Exception {
        String sources = "start.resume.sources";
        refused(good().addSources(source(1, "red", "Bell")), sources, "audio referents");
        Status.Code bad = Status.Code.INVALID_ARGUMENT;
        refused(audioCall(good()), bad, sources, "no entry for object(s) [1]");
        refused(audioCall(good().addSources(source(2, "red", "Bell"))), bad, sources + "[0].object_id", "not among");
        refused(audioCall(good().addSources(source(0, "red", "Bell"))), bad, sources + "[0].object_id", "[1, 65535]");
        refused(audioCall(good().addSources(source(-1, "red", "Bell"))), bad, sources + "[0].object_id", "4294967295");
        refused(audioCall(good().addSources(source(1, "red", "Bell")).addSources(source(1, "red", "Bell"))), bad,
                sources + "[1].object_id", "twice");
        refused(audioCall(good().addSources(source(1, "r3d!", "Bell"))), bad, sources + "[0].category", "letters");
        refused(audioCall(good().addSources(source(1, " ", "Bell"))), bad, sources + "[0].category");
        refused(audioCall(good().addSources(source(1, "r".repeat(61), "Bell"))), bad, sources + "[0].category", "60");
        refused(audioCall(good().addSources(source(1, "red"))), bad, sources + "[0].labels", "1 to 50");
        refused(audioCall(good().addSources(source(1, "red", java.util.Collections.nCopies(51, "Bell")
                .toArray(String[]::new)))), bad, sources + "[0].labels", "has 51");
        refused(audioCall(good().addSources(source(1, "red", "B".repeat(201)))), bad, sources + "[0].labels[0]", "200");
        refused(audioCall(good().addSources(source(1, "red", "Bell", "Be\nll"))), bad, sources + "[0].labels[1]",
                "U+000A");
        refused(audioCall(good().addSources(source(1, "red", "\uD83D\uDE42".repeat(201)))), bad,
                sources + "[0].labels[0]", "is 201 characters");
        refused(audioCall(good().addSources(source(1, "red", ""))), bad, sources + "[0].labels[0]");
        String offset = "start.resume.audio_offset_seconds";
        refused(good().setAudioOffsetSeconds(1.5), offset, "audio referents");
        refused(audioCall(good().addSources(source(1, "red", "Bell")).setAudioOffsetSeconds(-0.1)), bad, offset, "10^7");
        refused(audioCall(good().addSources(source(1, "red", "Bell")).setAudioOffsetSeconds(Double.POSITIVE_INFINITY)),
                bad, offset);
        refused(audioCall(good().addSources(source(1, "red", "Bell")).setAudioOffsetSeconds(1.1e7)), bad, offset);
    }
}
