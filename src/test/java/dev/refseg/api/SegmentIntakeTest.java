package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.inference.InferenceBackend;
import dev.refseg.inference.MediaSession;
import dev.refseg.media.VideoWriter;
import dev.refseg.media.WavWriter;
import dev.refseg.segment.SessionSlots;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import dev.refseg.v1.Frame;
import dev.refseg.v1.ImageFormat;
import dev.refseg.v1.IntakeUpdate;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.OpenSession;
import dev.refseg.v1.Progress;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse.EventCase;
import dev.refseg.v1.Stage;
import dev.refseg.v1.Start;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Segment RPC's intake, end to end over gRPC: good media in every form, and every kind of bad input. */
@QuarkusTest
class SegmentIntakeTest {
    static SyntheticClip clip;
    static List<byte[]> jpegs;
    static byte[] mp4;
    static StreamClient client;

    @Inject
    InferenceBackend inference;
    @Inject
    SessionSlots slots;

    @BeforeAll
    static void setUp() throws Exception {
        clip = SampleClip.render();
        jpegs = TextClips.jpegs(clip);
        Path f = Files.createTempFile("sample", ".mp4");
        VideoWriter.write(f, clip.frames(), clip.width(), clip.height(), clip.spec().fps());
        mp4 = Files.readAllBytes(f);
        Files.delete(f);
        client = new StreamClient();
    }

    @AfterAll
    static void tearDown() throws Exception {
        client.close();
    }

    @AfterEach
    void nothingLeaks() throws InterruptedException {
        Leaks.assertAllReleased(inference, slots);
    }

    static SegmentRequest start() {
        return SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")).build();
    }

    static SegmentRequest jpeg(int i, byte[] data) {
        return SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(i).setFormat(ImageFormat.IMAGE_FORMAT_JPEG)
                .setData(ByteString.copyFrom(data))).build();
    }

    static List<SegmentRequest> mp4Chunks(byte[] file, int chunk) {
        List<SegmentRequest> out = new ArrayList<>();
        for (int off = 0; off < file.length; off += chunk) {
            out.add(SegmentRequest.newBuilder().setMedia(MediaChunk.newBuilder()
                    .setData(ByteString.copyFrom(file, off, Math.min(chunk, file.length - off)))).build());
        }
        return out;
    }

    private static void assertIntakeComplete(StreamClient.Outcome o, double fps) {
        assertIntakeComplete(o, fps, true);
    }

    /**
     * @param progressWhileDecoding whether a Progress must come before the end (a small MP4 is probed
     *                              whole before its first frame decodes, so it reports only at the end)
     */
    private static void assertIntakeComplete(StreamClient.Outcome o, double fps, boolean progressWhileDecoding) {
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        List<Progress> progress = o.of(EventCase.PROGRESS).stream().map(e -> e.getProgress()).toList();
        assertTrue(progress.size() >= (progressWhileDecoding ? 2 : 1), "expected progress while decoding and at the end");
        Progress last = progress.get(progress.size() - 1);
        assertTrue(last.getInputComplete());
        assertEquals(Stage.STAGE_INTAKE, last.getStage());
        assertEquals(48, last.getFramesDecoded());
        assertEquals(320, last.getWidth());
        assertEquals(240, last.getHeight());
        assertEquals(fps, last.getFps(), 0.01);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i).getFramesDecoded() >= progress.get(i - 1).getFramesDecoded());
        }
        Summary s = o.events().get(o.events().size() - 1).getSummary();
        assertEquals(48, s.getFramesIn());
        assertEquals(Stage.STAGE_INTAKE, s.getTimings(0).getStage());
        assertTrue(s.getTimings(0).getMillis() > 0);
    }

    @Test
    void jpegFramesAreDecodedAndReported() throws Exception {
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
        for (int i = 0; i < jpegs.size(); i++) {
            reqs.add(SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(i)
                    .setTimestampUs(1 + i * 100_000L).setData(ByteString.copyFrom(jpegs.get(i)))).build());
        }
        assertIntakeComplete(client.run(reqs), 10);
    }

    /**
     * A frame without a timestamp (0) after frames with timestamps gets one after the previous frame's
     * (previous + 1/fps), never index/fps behind it; a stream without any keeps index/fps.
     */
    @Test
    void framesWithoutTimestampsFollowThePreviousOne() throws Exception {
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
        reqs.add(SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(0).setTimestampUs(1_000_000)
                .setData(ByteString.copyFrom(jpegs.get(0)))).build());
        reqs.add(jpeg(1, jpegs.get(1)));
        reqs.add(jpeg(2, jpegs.get(2)));
        StreamClient.Outcome o = client.run(reqs);
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        assertEquals(List.of(1_000_000L, 1_040_000L, 1_080_000L), maskTimestamps(o));
        o = client.run(List.of(start(), jpeg(0, jpegs.get(0)), jpeg(1, jpegs.get(1)), jpeg(2, jpegs.get(2))));
        assertEquals(List.of(0L, 40_000L, 80_000L), maskTimestamps(o));
        // No later timestamp exists: refused, not wrapped around to a negative one.
        assertRejected(List.of(start(), SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(0)
                .setTimestampUs(Long.MAX_VALUE).setData(ByteString.copyFrom(jpegs.get(0)))).build(), jpeg(1, jpegs.get(1))),
                Status.Code.INVALID_ARGUMENT, "frame[1].timestamp_us: is not given (0), and no timestamp after the "
                + "previous frame's 9223372036854775807 fits in int64");
    }

    /** The timestamps of the MaskFrames, in frame order. */
    static List<Long> maskTimestamps(StreamClient.Outcome o) {
        return o.of(EventCase.MASK).stream().map(e -> e.getMask()).sorted(java.util.Comparator.comparingInt(
                dev.refseg.v1.MaskFrame::getFrameIndex)).map(dev.refseg.v1.MaskFrame::getTimestampUs).toList();
    }

    @Test
    void mp4StreamIsDecodedAsItArrives() throws Exception {
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
        reqs.addAll(mp4Chunks(mp4, 8 * 1024));
        assertIntakeComplete(client.run(reqs), 10, false);
    }

    @Test
    void rawRgbFramesAndPcmAudio() throws Exception {
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
        for (int i = 0; i < 48; i++) {
            reqs.add(SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(i).setFormat(ImageFormat.IMAGE_FORMAT_RGB24)
                    .setWidth(320).setHeight(240).setData(ByteString.copyFrom(clip.frames().get(i)))).build());
        }
        // 4.8 s of stereo 44.1 kHz s16le, in 0.5 s chunks.
        int rate = 44_100;
        float[] mono = new float[(int) (4.8 * rate)];
        for (int i = 0; i < mono.length; i++) {
            mono[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / rate));
        }
        float[] stereo = new float[mono.length * 2];
        for (int i = 0; i < mono.length; i++) {
            stereo[2 * i] = mono[i];
            stereo[2 * i + 1] = mono[i];
        }
        byte[] pcm = WavWriter.toS16le(stereo);
        int chunk = rate / 2 * 4;
        for (int off = 0; off < pcm.length; off += chunk) {
            reqs.add(SegmentRequest.newBuilder().setAudio(AudioChunk.newBuilder()
                    .setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_S16LE).setSampleRateHz(rate).setChannels(2)
                    .setData(ByteString.copyFrom(pcm, off, Math.min(chunk, pcm.length - off)))).build());
        }
        StreamClient.Outcome o = client.run(reqs);
        assertIntakeComplete(o, 25);
        Summary s = o.of(EventCase.SUMMARY).get(0).getSummary();
        assertEquals(4.8, s.getAudioSeconds(), 0.01);
    }

    @Test
    void encodedWavAudio() throws Exception {
        byte[] wav = WavWriter.pcm16(clip.audio16k(), 16_000);
        StreamClient.Outcome o = client.run(List.of(start(), jpeg(0, jpegs.get(0)),
                SegmentRequest.newBuilder().setAudio(AudioChunk.newBuilder().setData(ByteString.copyFrom(wav))).build()));
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        assertEquals(4.8, o.of(EventCase.SUMMARY).get(0).getSummary().getAudioSeconds(), 0.01);
    }

    /**
     * Issue 11: a text referent never decodes the container's sound (no audio, no cost); a session opened with
     * OpenSession.audio_track (audio referents) takes the same MP4's sound as its audio.
     */
    @Test
    void theContainersSoundIsDecodedOnlyWhenAsked() throws Exception {
        float[] tone = new float[(int) (4.8 * 16_000)];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) (0.4 * Math.sin(2 * Math.PI * 440 * i / 16_000));
        }
        Path f = Files.createTempFile("sound", ".mp4");
        VideoWriter.write(f, clip.frames(), clip.width(), clip.height(), clip.spec().fps(),
                VideoWriter.Options.DEFAULT.withAudio16k(tone));
        byte[] withSound = Files.readAllBytes(f);
        Files.delete(f);
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
        reqs.addAll(mp4Chunks(withSound, 8 * 1024));
        StreamClient.Outcome o = client.run(reqs);
        assertIntakeComplete(o, 10, false);
        assertEquals(0, o.of(EventCase.SUMMARY).get(0).getSummary().getAudioSeconds());

        for (boolean audioTrack : new boolean[] {false, true}) {
            try (MediaSession m = inference.openSession(OpenSession.newBuilder().setTag("audio-track")
                    .setAudioTrack(audioTrack).build())) {
                for (SegmentRequest r : mp4Chunks(withSound, 8 * 1024)) {
                    m.addMedia(r.getMedia());
                }
                IntakeUpdate u = m.endOfInput();
                assertEquals(48, u.getFramesDecoded());
                // One AAC frame (1024 samples at 16 kHz) of priming or padding at most.
                assertEquals(audioTrack ? 4.8 : 0, u.getAudioSeconds(), 0.065, "audio_track = " + audioTrack);
            }
        }
    }

    // ---- bad input: each gets its own status and message, and the server keeps serving ----

    private void assertRejected(List<SegmentRequest> reqs, Status.Code code, String... fragments) throws Exception {
        StreamClient.Outcome o = client.run(reqs);
        assertEquals(code, o.status().getCode(), o.description());
        for (String f : fragments) {
            assertTrue(o.description().contains(f), "'" + o.description() + "' lacks '" + f + "'");
        }
        assertIntakeComplete(client.run(List.of(start(), jpeg(0, jpegs.get(0)))) , 25, 1);
    }

    private static void assertIntakeComplete(StreamClient.Outcome o, double fps, int frames) {
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        assertEquals(frames, o.of(EventCase.SUMMARY).get(0).getSummary().getFramesIn());
    }

    @Test
    void corruptJpeg() throws Exception {
        byte[] bad = jpegs.get(3).clone();
        Arrays.fill(bad, 200, bad.length, (byte) 0x5A);
        assertRejected(List.of(start(), jpeg(0, jpegs.get(0)), jpeg(1, bad)), Status.Code.INVALID_ARGUMENT,
                "frame[1].data", "corrupt JPEG");
    }

    @Test
    void truncatedMp4() throws Exception {
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
        reqs.addAll(mp4Chunks(Arrays.copyOf(mp4, mp4.length * 2 / 3), 8 * 1024));
        assertRejected(reqs, Status.Code.INVALID_ARGUMENT, "media.data", "truncated MP4");
    }

    @Test
    void frameOverTheSizeLimit() throws Exception {
        java.awt.image.BufferedImage wide = new java.awt.image.BufferedImage(4000, 8,
                java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(wide, "png", png);
        assertRejected(List.of(start(), SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(0)
                .setData(ByteString.copyFrom(png.toByteArray()))).build()), Status.Code.RESOURCE_EXHAUSTED,
                "frame[0].width", "4000", "refseg.limits.max-width = 3840");
    }

    @Test
    void rawRgbWithWrongByteCount() throws Exception {
        assertRejected(List.of(start(), SegmentRequest.newBuilder().setFrame(Frame.newBuilder().setIndex(0)
                .setFormat(ImageFormat.IMAGE_FORMAT_RGB24).setWidth(4).setHeight(4)
                .setData(ByteString.copyFrom(new byte[47]))).build()), Status.Code.INVALID_ARGUMENT,
                "frame[0].data", "4x4 needs 48 bytes, got 47");
    }

    @Test
    void audioWithZeroSampleRate() throws Exception {
        assertRejected(List.of(start(), SegmentRequest.newBuilder().setAudio(AudioChunk.newBuilder()
                .setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_S16LE).setChannels(1).setSampleRateHz(0)
                .setData(ByteString.copyFrom(new byte[320]))).build()), Status.Code.INVALID_ARGUMENT,
                "audio[0].sample_rate_hz", "must be > 0");
    }

    @Test
    void streamWithoutStart() throws Exception {
        assertRejected(List.of(jpeg(0, jpegs.get(0))), Status.Code.INVALID_ARGUMENT, "first message must be start");
        assertRejected(List.of(), Status.Code.INVALID_ARGUMENT, "ended without a start message");
    }

    @Test
    void onlineAudioReferentsAreResumedWithTheirSources() throws Exception {
        // The masks are checked first (SegmentResumeTest has the sources' own checks and a served audio resume).
        assertRejected(List.of(SegmentRequest.newBuilder().setStart(Start.newBuilder()
                .setAudio(dev.refseg.v1.AudioReferentSpec.getDefaultInstance()).setMode(dev.refseg.v1.Mode.MODE_ONLINE)
                .setResume(dev.refseg.v1.Resume.newBuilder().setLastFrameIndex(3))).build()),
                Status.Code.INVALID_ARGUMENT, "start.resume.last_masks", "is empty");
    }

    @Test
    void startWithoutReferent() throws Exception {
        assertRejected(List.of(SegmentRequest.newBuilder().setStart(Start.getDefaultInstance()).build()),
                Status.Code.INVALID_ARGUMENT, "start.referent");
    }

    @Test
    void framesOutOfOrder() throws Exception {
        assertRejected(List.of(start(), jpeg(0, jpegs.get(0)), jpeg(2, jpegs.get(2))), Status.Code.INVALID_ARGUMENT,
                "frame[1].index", "is 2, expected 1");
    }

    @Test
    void framesAndMediaMixed() throws Exception {
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start(), jpeg(0, jpegs.get(0))));
        reqs.addAll(mp4Chunks(mp4, 64 * 1024).subList(0, 1));
        assertRejected(reqs, Status.Code.INVALID_ARGUMENT, "media[0]", "not both");
    }

    @Test
    void sessionLimitIsResourceExhausted() throws Exception {
        List<StreamClient.Call> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            StreamClient.Call c = client.open();
            c.requests.onNext(start());
            c.requests.onNext(jpeg(0, jpegs.get(0)));
            held.add(c);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (slots.inUse() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        StreamClient.Outcome o = client.run(List.of(start()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, o.status().getCode(), o.description());
        assertTrue(o.description().contains("refseg.limits.max-sessions = 4"), o.description());
        for (StreamClient.Call c : held) {
            c.requests.onCompleted();
            assertEquals(Status.Code.OK, c.await().status().getCode());
        }
    }

    @Test
    void cancellingMidStreamReleasesTheSession() throws Exception {
        StreamClient.Call c = client.open();
        c.requests.onNext(start());
        for (SegmentRequest r : mp4Chunks(mp4, 4 * 1024).subList(0, 5)) {
            c.requests.onNext(r);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inference.openSessions() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, inference.openSessions());
        c.requests.onError(Status.CANCELLED.withDescription("client gave up").asRuntimeException());
        // nothingLeaks() checks the session and slot are freed.
    }
}
