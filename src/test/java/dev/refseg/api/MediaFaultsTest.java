package dev.refseg.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.media.VideoWriter;
import dev.refseg.media.WavWriter;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import dev.refseg.v1.ContainerFormat;
import dev.refseg.v1.MediaChunk;
import dev.refseg.v1.Progress;
import dev.refseg.v1.SegmentRequest;
import dev.refseg.v1.SegmentResponse.EventCase;
import dev.refseg.v1.Start;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, item 1 and 2: malformed containers end their call with INVALID_ARGUMENT naming media.data,
 * leave nothing behind and never hold up another call's decoder; streamed containers decode while the
 * stream is still open.
 */
@QuarkusTest
class MediaFaultsTest extends CallTest {
    static byte[] mp4;
    static byte[] mkv;
    /** A short clip for the "server still serves" checks (the whole method runs on it). */
    static byte[] shortMp4;
    static StreamClient client;


    @BeforeAll
    static void setUp() throws Exception {
        SyntheticClip clip = SampleClip.render();
        Path f = Files.createTempFile("sample", ".mp4");
        VideoWriter.write(f, clip.frames(), clip.width(), clip.height(), clip.spec().fps());
        mp4 = Files.readAllBytes(f);
        Path k = Files.createTempFile("sample", ".mkv");
        VideoWriter.write(k, clip.frames(), clip.width(), clip.height(), clip.spec().fps());
        mkv = Files.readAllBytes(k);
        VideoWriter.write(f, clip.frames().subList(0, 12), clip.width(), clip.height(), clip.spec().fps());
        shortMp4 = Files.readAllBytes(f);
        Files.delete(f);
        Files.delete(k);
        client = new StreamClient();
    }

    @AfterAll
    static void tearDown() throws Exception {
        client.close();
    }


    static SegmentRequest start() {
        return SegmentRequest.newBuilder().setStart(Start.newBuilder().setText("the red disc")).build();
    }

    static SegmentRequest media(byte[] data, ContainerFormat declared) {
        return SegmentRequest.newBuilder().setMedia(MediaChunk.newBuilder().setData(ByteString.copyFrom(data))
                .setContainer(declared)).build();
    }

    static List<SegmentRequest> chunks(byte[] file, int size) {
        return SegmentIntakeTest.mp4Chunks(file, size);
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] withPrefix(byte[] prefix, byte[] rest) {
        byte[] b = rest.clone();
        System.arraycopy(prefix, 0, b, 0, prefix.length);
        return b;
    }

    private void assertGoodMp4Call() throws InterruptedException {
        List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
        reqs.addAll(chunks(shortMp4, 16 * 1024));
        StreamClient.Outcome o = client.run(reqs);
        assertEquals(Status.Code.OK, o.status().getCode(), o.description());
        assertEquals(12, o.of(EventCase.SUMMARY).get(0).getSummary().getFramesIn());
        assertEquals(12, o.of(EventCase.MASK).size());
    }

    @Test
    void tenMalformedContainersInARowThenAGoodOne() throws Exception {
        byte[] ftyp = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
        byte[] ebml = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3};
        byte[] annexB = {0, 0, 0, 1, 0x67};
        List<SegmentRequest> bad = List.of(
                media(random(1, 40_000), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED),  // the field report
                media(random(2, 40_000), ContainerFormat.CONTAINER_FORMAT_MP4),          // spooled, then refused
                media(withPrefix(ftyp, random(3, 40_000)), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED),
                media(withPrefix(ebml, random(4, 40_000)), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED),
                media(withPrefix(annexB, random(5, 40_000)), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED),
                media(random(6, 40_000), ContainerFormat.CONTAINER_FORMAT_MATROSKA),
                media(random(7, 40_000), ContainerFormat.CONTAINER_FORMAT_H264),
                media(Arrays.copyOf(mp4, 600), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED),  // header only
                media(Arrays.copyOf(mkv, 300), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED),  // header only
                media(withPrefix(Arrays.copyOf(mp4, 64), random(8, 40_000)), ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED));
        for (int i = 0; i < bad.size(); i++) {
            StreamClient.Outcome o = client.run(List.of(start(), bad.get(i)));
            assertEquals(Status.Code.INVALID_ARGUMENT, o.status().getCode(), "case " + i + ": " + o.description());
            assertTrue(o.description().startsWith("media.data: "), "case " + i + ": " + o.description());
        }
        Leaks.assertNothingLeft(inference, slots);
        assertGoodMp4Call();
    }

    @Test
    void aClientThatGivesUpOnAMalformedStreamFreesEverything() throws Exception {
        StreamClient.Call c = client.open();
        c.requests.onNext(start());
        // A real MP4 header, then nothing more: the decoder waits for the rest when the client leaves.
        c.requests.onNext(media(Arrays.copyOf(mp4, 600), ContainerFormat.CONTAINER_FORMAT_MP4));
        awaitSessions(1);
        c.requests.onError(Status.CANCELLED.withDescription("client gave up").asRuntimeException());
        Leaks.assertNothingLeft(inference, slots);
        assertGoodMp4Call();
    }

    @Test
    void malformedEncodedAudioIsRefusedNamingAudioData() throws Exception {
        StreamClient.Outcome o = client.run(List.of(start(), SegmentRequest.newBuilder().setAudio(AudioChunk.newBuilder()
                .setData(ByteString.copyFrom(random(10, 40_000)))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, o.status().getCode(), o.description());
        assertTrue(o.description().startsWith("audio.data: "), o.description());
        assertGoodMp4Call();
    }

    /**
     * Issue 11: bad audio in a Segment stream with a text referent ends the call with INVALID_ARGUMENT naming
     * the field, frees everything, and the next call on the same server succeeds.
     */
    @Test
    void badAudioIsNamedAndTheServerGoesOn() throws Exception {
        byte[] wav = WavWriter.pcm16(new float[1600], 16_000);
        byte[] rateZero = wav.clone();
        java.nio.ByteBuffer.wrap(rateZero).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(24, 0);
        List<AudioChunk> bad = List.of(
                AudioChunk.newBuilder().setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_S16LE).setSampleRateHz(16_000)
                        .setChannels(1).build(),
                AudioChunk.newBuilder().setEncoding(AudioEncoding.AUDIO_ENCODING_MP3).setData(ByteString.copyFrom(wav))
                        .build(),
                AudioChunk.newBuilder().setSampleRateHz(44_100).setData(ByteString.copyFrom(wav)).build(),
                AudioChunk.newBuilder().setData(ByteString.copyFrom(rateZero)).build(),
                AudioChunk.newBuilder().setEncoding(AudioEncoding.AUDIO_ENCODING_PCM_F32LE).setSampleRateHz(16_000)
                        .setChannels(1).setData(ByteString.copyFrom(new byte[] {0, 0, (byte) 0xc0, 0x7f})).build());
        List<String> named = List.of(
                "audio[0].data: is empty; ",
                "audio[0].encoding: is AUDIO_ENCODING_MP3 but the data is a WAV file (pcm_s16le, 16000 Hz, 1 channel)",
                "audio[0].sample_rate_hz: is 44100 but the data is a WAV file (pcm_s16le, 16000 Hz, 1 channel)",
                "audio.data: the encoded audio data declares a sample rate of 0 Hz in its WAV header",
                "audio[0].data: sample 0 (channel 0) is NaN; ");
        for (int i = 0; i < bad.size(); i++) {
            List<SegmentRequest> reqs = new ArrayList<>(List.of(start()));
            reqs.addAll(chunks(shortMp4, 16 * 1024));
            reqs.add(SegmentRequest.newBuilder().setAudio(bad.get(i)).build());
            StreamClient.Outcome o = client.run(reqs);
            assertEquals(Status.Code.INVALID_ARGUMENT, o.status().getCode(), "case " + i + ": " + o.description());
            assertTrue(o.description().startsWith(named.get(i)), "case " + i + ": " + o.description());
            Leaks.assertNothingLeft(inference, slots);
            assertGoodMp4Call();
        }
    }

    /** One call's decoder never waits on another's: a stream stuck mid-header does not hold up a good one. */
    @Test
    void aStalledStreamDoesNotHoldUpOtherCalls() throws Exception {
        List<StreamClient.Call> stuck = new ArrayList<>();
        for (byte[] head : List.of(Arrays.copyOf(mp4, 100), Arrays.copyOf(mkv, 100), random(11, 100))) {
            StreamClient.Call c = client.open();
            c.requests.onNext(start());
            c.requests.onNext(media(head, ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED));
            stuck.add(c);
        }
        awaitSessions(3);
        assertGoodMp4Call();
        // The stuck calls are still open and are freed when their clients give up.
        for (StreamClient.Call c : stuck) {
            assertEquals(1, c.done.getCount(), "a stuck call ended early: " + c.status);
            c.requests.onError(Status.CANCELLED.withDescription("client gave up").asRuntimeException());
        }
    }

    /** Item 2: with the whole MP4 sent and the stream still open, frames are decoded (and reported). */
    @Test
    void framesDecodeBeforeHalfClose() throws Exception {
        for (byte[] file : List.of(mp4, mkv)) {
            StreamClient.Call c = client.open();
            c.requests.onNext(start());
            for (SegmentRequest r : chunks(file, 8 * 1024)) {
                c.requests.onNext(r);
            }
            // Poke with empty chunks (zero bytes are a valid MediaChunk) until the progress stops growing.
            int decoded = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (decoded < 44 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                c.requests.onNext(media(new byte[0], ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED));
                decoded = c.eventsSoFar().stream().filter(e -> e.getEventCase() == EventCase.PROGRESS)
                        .mapToInt(e -> e.getProgress().getFramesDecoded()).max().orElse(0);
            }
            assertTrue(decoded >= 44, "only " + decoded + " of 48 frames decoded before half-close");
            c.requests.onCompleted();
            StreamClient.Outcome o = c.await();
            assertEquals(Status.Code.OK, o.status().getCode(), o.description());
            Progress last = o.of(EventCase.PROGRESS).get(o.of(EventCase.PROGRESS).size() - 1).getProgress();
            assertEquals(48, last.getFramesDecoded());
        }
    }
}
