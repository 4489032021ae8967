package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import dev.refseg.v1.FallbackKind;
import dev.refseg.v1.Frame;
import dev.refseg.v1.KeySelectionGrpc;
import dev.refseg.v1.SegmentOptions;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse;
import dev.refseg.v1.SelectKeyBoxRequest;
import dev.refseg.v1.SelectKeyFrameRequest;
import dev.refseg.v1.Start;
import dev.refseg.v1.Summary;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Segment (baseline, no LLM) refuses what it cannot take whole and says plainly what it did not find:
 * unsigned audio and frame numbers reported with their real values, non-finite float audio, a referent
 * longer than the detector reads (at Start and in the KeySelection RPCs), shown frames that do not fit
 * the window; a referent nothing matches tracks no object and the Summary says not found.
 */
@QuarkusTest
class SegmentHardeningTest extends CallTest {
    /** 69 x "the red disc, " + "the red disc": 978 characters, 282 detector tokens with [CLS], [SEP] and ".". */
    static final String LONG = "the red disc, ".repeat(69) + "the red disc";
    /** 62 x "the red disc, " + "the red disc": 254 tokens, under the detector's 256. */
    static final String LONG_ENOUGH = "the red disc, ".repeat(62) + "the red disc";

    static SyntheticClip clip;
    static List<Frame> frames;
    static StreamClient client;

    @BeforeAll
    static void setUp() {
        clip = SampleClip.render();
        frames = TextClips.frames(clip);
        client = new StreamClient();
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        client.close();
    }

    static SegmentRequest start(String text, SegmentOptions options) {
        return SegmentRequest.newBuilder().setStart(Start.newBuilder().setText(text).setOptions(options)).build();
    }

    static SegmentRequest start() {
        return start("the red disc", SegmentOptions.getDefaultInstance());
    }

    static SegmentRequest frame(int i) {
        return SegmentRequest.newBuilder().setFrame(frames.get(i)).build();
    }

    static SegmentRequest audio(AudioEncoding e, int rate, int channels, byte[] data) {
        return SegmentRequest.newBuilder().setAudio(AudioChunk.newBuilder().setEncoding(e).setSampleRateHz(rate)
                .setChannels(channels).setData(ByteString.copyFrom(data))).build();
    }

    static byte[] f32(float... samples) {
        ByteBuffer b = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float s : samples) {
            b.putFloat(s);
        }
        return b.array();
    }

    /** The call ends with {@code code} and every fragment; then a good call succeeds. */
    static void assertRejected(List<SegmentRequest> reqs, Status.Code code, String... fragments) throws Exception {
        StreamClient.Outcome o = client.run(reqs);
        assertEquals(code, o.status().getCode(), o.description());
        for (String f : fragments) {
            assertTrue(o.description().contains(f), "'" + o.description() + "' lacks '" + f + "'");
        }
        StreamClient.Outcome good = client.run(List.of(start(), frame(0)));
        assertEquals(Status.Code.OK, good.status().getCode(), good.description());
    }

    static Summary summary(StreamClient.Outcome o) {
        return o.of(SegmentResponse.EventCase.SUMMARY).get(0).getSummary();
    }

    // ---- item 6: unsigned numbers, with their real values ----

    @Test
    void audioRateAndChannelsAreReadAsUnsignedWhereTheyArrive() throws Exception {
        byte[] pcm = new byte[320];
        AudioEncoding s16 = AudioEncoding.AUDIO_ENCODING_PCM_S16LE;
        // 4294967295 Hz once slipped past every check (100 s accepted on a 1 s server) and failed in FFmpeg.
        assertRejected(List.of(start(), frame(0), audio(s16, -1, 1, pcm)), Status.Code.INVALID_ARGUMENT,
                "audio[0].sample_rate_hz", "must be in [0, 384000]", "got 4294967295");
        List<SegmentRequest> sixth = new ArrayList<>(List.of(start(), frame(0)));
        for (int i = 0; i < 5; i++) {
            sixth.add(audio(s16, 16_000, 1, pcm));
        }
        sixth.add(audio(s16, Integer.MIN_VALUE, 1, pcm));
        assertRejected(sixth, Status.Code.INVALID_ARGUMENT, "audio[5].sample_rate_hz", "got 2147483648");
        assertRejected(List.of(start(), audio(s16, 16_000, -1, pcm)), Status.Code.INVALID_ARGUMENT,
                "audio[0].channels", "must be in [0, 16]", "got 4294967295");
        // Encoded audio ignores the fields, but not a value no field can hold.
        assertRejected(List.of(start(), audio(AudioEncoding.AUDIO_ENCODING_WAV, -1, 0, pcm)),
                Status.Code.INVALID_ARGUMENT, "audio[0].sample_rate_hz", "got 4294967295");
    }

    @Test
    void theHighestRatesAndChannelCountsAreAccepted() throws Exception {
        // 0.01 s of 384 kHz, 16 channels, s16: 3840 samples x 16 channels x 2 bytes.
        StreamClient.Outcome o = client.run(List.of(start(), frame(0),
                audio(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, 384_000, 16, new byte[3840 * 16 * 2])));
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        assertEquals(0.01, summary(o).getAudioSeconds(), 0.002);
    }

    @Test
    void aFrameIndexIsReportedAsSent() throws Exception {
        assertRejected(List.of(start(), SegmentRequest.newBuilder().setFrame(frames.get(0).toBuilder().setIndex(-1))
                .build()), Status.Code.INVALID_ARGUMENT, "frame[0].index", "is 4294967295, expected 0");
        // Width and height are checked for every format, so no size is ever read as negative.
        assertRejected(List.of(start(), SegmentRequest.newBuilder().setFrame(frames.get(0).toBuilder()
                .setHeight(Integer.MIN_VALUE)).build()), Status.Code.RESOURCE_EXHAUSTED, "frame[0].height",
                "2147483648", "refseg.limits.max-height = 2160");
    }

    // ---- item 7: non-finite numbers ----

    @Test
    void floatPcmMustBeFinite() throws Exception {
        AudioEncoding f32 = AudioEncoding.AUDIO_ENCODING_PCM_F32LE;
        assertRejected(List.of(start(), frame(0), audio(f32, 16_000, 2, f32(0, 0, 0.1f, 0.2f, 0, 0, 0.5f, Float.NaN))),
                Status.Code.INVALID_ARGUMENT, "audio[0].data", "sample 3 (channel 1) is NaN");
        assertRejected(List.of(start(), audio(f32, 16_000, 1, f32(0.25f, Float.NEGATIVE_INFINITY))),
                Status.Code.INVALID_ARGUMENT, "audio[0].data", "sample 1 (channel 0) is -Infinity");
        StreamClient.Outcome ok = client.run(List.of(start(), frame(0), audio(f32, 16_000, 2, f32(new float[3200]))));
        assertEquals(Status.Code.OK, ok.status().getCode(), ok.description());
        assertEquals(0.1, summary(ok).getAudioSeconds(), 0.001);
    }

    @Test
    void encodedFloatAudioMustDecodeToFiniteSamples() throws Exception {
        float[] samples = new float[1600];
        samples[800] = Float.POSITIVE_INFINITY;
        assertRejected(List.of(start(), frame(0), audio(AudioEncoding.AUDIO_ENCODING_WAV, 0, 0, floatWav(samples))),
                Status.Code.INVALID_ARGUMENT, "audio.data", "sample 800 (channel 0) = Infinity");
    }

    /** A 16 kHz mono IEEE-float WAV file. */
    static byte[] floatWav(float[] samples) {
        byte[] pcm = f32(samples);
        ByteBuffer h = ByteBuffer.allocate(44 + pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes()).putInt(36 + pcm.length).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16)
                .putShort((short) 3).putShort((short) 1).putInt(16_000).putInt(64_000).putShort((short) 4)
                .putShort((short) 32).put("data".getBytes()).putInt(pcm.length).put(pcm);
        return h.array();
    }

    // ---- item 9: nothing cut silently ----

    @Test
    void aReferentLongerThanTheDetectorReadsIsRefusedAtStart() throws Exception {
        assertTrue(LONG.length() < 1000, "under the character limit: " + LONG.length());
        assertRejected(List.of(start(LONG, SegmentOptions.getDefaultInstance()), frame(0)), Status.Code.INVALID_ARGUMENT,
                "start.text", "is 282 tokens", "reads at most 256");
        StreamClient.Outcome ok = client.run(List.of(start(LONG_ENOUGH, SegmentOptions.getDefaultInstance()), frame(0)));
        assertEquals(Status.Code.OK, ok.status().getCode(), ok.description());
    }

    /** Each CJK ideograph is a token to the detector: 300 of them are 303 tokens, not one [UNK]. */
    @Test
    void cjkReferentsAreCountedPerIdeograph() throws Exception {
        assertRejected(List.of(start("漢".repeat(300), SegmentOptions.getDefaultInstance()), frame(0)),
                Status.Code.INVALID_ARGUMENT, "start.text: is 303 tokens", "reads at most 256");
    }

    /**
     * Lengths are counted in characters (code points) as the client wrote them: an emoji is one, though
     * Java stores it as two UTF-16 units. The limits are unchanged.
     */
    @Test
    void textLengthsCountCharactersNotUtf16Units() throws Exception {
        String emoji = "\ud83d\ude42"; // U+1F642
        assertRejected(List.of(start(emoji.repeat(1001), SegmentOptions.getDefaultInstance()), frame(0)),
                Status.Code.INVALID_ARGUMENT, "start.text: is 1001 characters; at most 1000");
        StreamClient.Outcome ok = client.run(List.of(start("the red disc " + emoji.repeat(600),
                SegmentOptions.getDefaultInstance()), frame(0)));
        assertEquals(Status.Code.OK, ok.status().getCode(), ok.description());
        SegmentRequest tagged = start().toBuilder().setStart(start().getStart().toBuilder()
                .setRequestTag(emoji.repeat(201))).build();
        assertRejected(List.of(tagged, frame(0)), Status.Code.INVALID_ARGUMENT,
                "start.request_tag: is 201 characters; at most 200");
        ok = client.run(List.of(tagged.toBuilder().setStart(tagged.getStart().toBuilder()
                .setRequestTag(emoji.repeat(200))).build(), frame(0)));
        assertEquals(Status.Code.OK, ok.status().getCode(), ok.description());
    }

    @Test
    void keySelectionRefusesTheSameReferents() {
        var stub = KeySelectionGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder().setReferent(LONG).addFrames(frames.get(0))
                        .addFrames(frames.get(5)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("referent: is 282 tokens"), e.getStatus().getDescription());
        e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> stub.selectKeyBox(SelectKeyBoxRequest.newBuilder().setReferent(LONG).addFrames(frames.get(0))
                        .setPivotFrameIndex(0).build()));
        assertTrue(e.getStatus().getDescription().contains("at most 256"), e.getStatus().getDescription());
        assertEquals(5, stub.selectKeyFrame(SelectKeyFrameRequest.newBuilder().setReferent(LONG_ENOUGH)
                .addFrames(frames.get(20)).addFrames(frames.get(5)).build()).getFrameIndex(), "the red disc is on 5 only");
    }

    @Test
    void shownFramesMustFitTheWindow() throws Exception {
        // 16 frames 10 apart span 151 frames; the 50-frame window would show 5 of them.
        assertRejected(List.of(start("the red disc", SegmentOptions.newBuilder().setFramesPerWindow(16).build()),
                frame(0)), Status.Code.INVALID_ARGUMENT, "start.options.frames_per_window", "span 151 frames",
                "50-frame window", "only 5 would be shown");
        StreamClient.Outcome ok = client.run(List.of(start("the red disc", SegmentOptions.newBuilder()
                .setFramesPerWindow(16).setFrameStep(3).build()), frame(0)));
        assertEquals(Status.Code.OK, ok.status().getCode(), "16 frames 3 apart span 46: " + ok.description());
    }

    // ---- item 8: no invented objects ----

    @Test
    void aReferentNothingMatchesTracksNoObjectAndIsNotFound() throws Exception {
        StreamClient.Outcome o = client.run(TextClips.requests("the purple elephant", SegmentOptions.getDefaultInstance(),
                frames));
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        Summary s = summary(o);
        assertTrue(s.getReferentNotFound());
        assertEquals(0, s.getObjects());
        assertEquals(48, s.getMasksOut());
        List<SegmentResponse> masks = o.of(SegmentResponse.EventCase.MASK);
        assertEquals(48, masks.size());
        for (SegmentResponse m : masks) {
            assertEquals(0, m.getMask().getObjectsCount(), "frame " + m.getMask().getFrameIndex());
        }
        var last = s.getFallbacks(s.getFallbacksCount() - 1);
        assertEquals(FallbackKind.FALLBACK_KIND_NO_CANDIDATES, last.getKind());
        assertTrue(last.getReason().contains("not found and no object is tracked"), last.getReason());

        StreamClient.Outcome found = client.run(TextClips.requests("the blue square", SegmentOptions.getDefaultInstance(),
                frames.subList(0, 12)));
        assertFalse(summary(found).getReferentNotFound());
        assertEquals(1, summary(found).getObjects());
    }
}
