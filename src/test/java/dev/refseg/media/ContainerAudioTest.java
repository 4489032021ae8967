package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.MediaChunk;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: a container's audio track as the session's audio (OpenSession.audio_track), written with sound
 * by {@link VideoWriter}: decoded alongside the video, with its duration and pitch; never decoded when not
 * asked for or when AudioChunks come; its failures named; every native resampler freed ({@link NativeAudioLeaks}).
 */
@ExtendWith(NativeAudioLeaks.class)
class ContainerAudioTest {
    static final int RATE = AudioTrack.TARGET_RATE;
    /**
     * One AAC frame at 16 kHz (and a rounding margin): the encoder's priming and padding are within it (a
     * fragmented MP4, whose empty index has no edit list, keeps the 1024 priming samples).
     */
    static final double AAC_FRAME_SECONDS = 1024.0 / RATE + 1e-9;

    static SyntheticClip clip;
    /** The sample clip's 48 frames (4.8 s at 10 fps) with a 440 Hz tone as long as the video, and without sound. */
    static byte[] mp4Tone;
    static byte[] mp4Silent;
    static float[] tone;
    @TempDir
    static Path dir;

    @BeforeAll
    static void write() throws Exception {
        clip = SampleClip.render();
        tone = tone(440, 4.8);
        mp4Tone = write("tone.mp4", VideoWriter.Options.DEFAULT.withAudio16k(tone));
        mp4Silent = write("silent.mp4", VideoWriter.Options.DEFAULT);
    }



    static float[] tone(double hz, double seconds) {
        float[] s = new float[(int) Math.round(seconds * RATE)];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (0.4 * Math.sin(2 * Math.PI * hz * i / RATE));
        }
        return s;
    }

    static byte[] write(String name, VideoWriter.Options options) throws Exception {
        Path f = dir.resolve(name);
        VideoWriter.write(f, clip.frames(), clip.width(), clip.height(), clip.spec().fps(), options);
        return Files.readAllBytes(f);
    }

    static IntakeSession session(boolean audioTrack, IntakeLimits limits) throws Exception {
        return new IntakeSession(limits, 1L << 30, Files.createTempDirectory(dir, "work"), 25,
                MediaSettings.defaults(), audioTrack);
    }

    static void sendMedia(IntakeSession s, byte[] file, int chunk) {
        for (int off = 0; off < file.length; off += chunk) {
            int n = Math.min(chunk, file.length - off);
            s.addMedia(MediaChunk.newBuilder().setData(ByteString.copyFrom(file, off, n)).build());
        }
    }

    static AudioChunk wav(float[] samples) {
        return AudioChunk.newBuilder().setData(ByteString.copyFrom(WavWriter.pcm16(samples, RATE))).build();
    }

    /**
     * The strongest frequency from 50 Hz to 4 kHz in 5 Hz steps (a small DFT by Goertzel over the middle
     * of the signal, away from the codec's onset).
     */
    static double dominantHz(float[] x) {
        float[] mid = Arrays.copyOfRange(x, x.length / 4, x.length * 3 / 4);
        double best = 0;
        double bestPower = -1;
        for (double f = 50; f <= 4000; f += 5) {
            double p = AudioTrackTest.power(mid, RATE, f);
            if (p > bestPower) {
                bestPower = p;
                best = f;
            }
        }
        return best;
    }

    static void assertToneTrack(IntakeSession s, double seconds, double hz, double toleranceSeconds) {
        float[] a = s.audio16k();
        assertEquals(seconds, a.length / (double) RATE, toleranceSeconds, "audio duration");
        assertEquals(hz, dominantHz(a), 5, "dominant frequency");
        assertEquals(a.length / (double) RATE, s.audioSeconds(), 1e-9);
    }

    @Test
    void mp4ToneTrackDecodesToItsDurationAndPitchAndLeavesTheVideoAsItWas() throws Exception {
        try (IntakeSession sound = session(true, IntakeLimits.defaults());
                IntakeSession silent = session(true, IntakeLimits.defaults())) {
            sendMedia(sound, mp4Tone, 8 * 1024);
            sound.endOfInput();
            assertEquals(IntakeSession.AUDIO_FROM_CONTAINER, sound.audioSource());
            assertToneTrack(sound, 4.8, 440, AAC_FRAME_SECONDS);

            sendMedia(silent, mp4Silent, 8 * 1024);
            silent.endOfInput();
            assertEquals(clip.frameCount(), sound.framesDecoded());
            assertEquals(clip.frameCount(), silent.framesDecoded());
            assertEquals(silent.fps(), sound.fps(), 1e-9);
            for (int i = 0; i < clip.frameCount(); i++) {
                DecodedFrame a = sound.frames().get(i);
                DecodedFrame b = silent.frames().get(i);
                assertEquals(b.timestampUs(), a.timestampUs(), "frame " + i);
                assertArrayEquals(b.rgb(), a.rgb(), "frame " + i + " differs from the same video without sound");
            }
        }
    }

    /** A video without an audio track is fine: no audio. */
    @Test
    void aVideoWithoutSoundHasNoAudio() throws Exception {
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            sendMedia(s, mp4Silent, 8 * 1024);
            assertVideoWithoutAudio(s);
        }
    }

    /** audio_track = false (text referents): the track is never decoded, whatever the file holds. */
    @Test
    void withoutAudioTrackTheSoundIsNotDecoded() throws Exception {
        int before = IntakeSession.liveAudioResamplers();
        try (IntakeSession s = session(false, IntakeLimits.defaults())) {
            sendMedia(s, mp4Tone, 8 * 1024);
            assertEquals(before, IntakeSession.liveAudioResamplers(), "no resampler for a text referent");
            assertVideoWithoutAudio(s);
        }
    }

    /** Ends the input: every frame, and no audio from anywhere. */
    private static void assertVideoWithoutAudio(IntakeSession s) {
        s.endOfInput();
        assertEquals(clip.frameCount(), s.framesDecoded());
        assertEquals(0, s.audio16k().length);
        assertEquals(0, s.audioSeconds());
        assertEquals(IntakeSession.NO_AUDIO, s.audioSource());
    }

    /** A fragmented MP4 (as live encoders write) with sound: frames and audio come out while it streams. */
    @Test
    void fragmentedMp4WithSoundDecodesWhileStreaming() throws Exception {
        byte[] frag = write("frag-tone.mp4", VideoWriter.Options.DEFAULT.withFragmented(true).withAudio16k(tone));
        assertTrue(new String(frag, StandardCharsets.ISO_8859_1).contains("moof"), "not fragmented: no 'moof' box");
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            sendMedia(s, frag, 4 * 1024);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while ((s.framesDecoded() < clip.frameCount() - 4 || s.audioSeconds() < 3.5)
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(s.framesDecoded() >= clip.frameCount() - 4, "only " + s.framesDecoded() + " frames decoded "
                    + "before the input ended");
            assertTrue(s.audioSeconds() >= 3.5, "only " + s.audioSeconds() + " s of audio decoded before the input "
                    + "ended");
            assertEquals(IntakeSession.AUDIO_FROM_CONTAINER, s.audioSource());
            s.endOfInput();
            assertEquals(clip.frameCount(), s.framesDecoded());
            assertToneTrack(s, 4.8, 440, AAC_FRAME_SECONDS);
        }
    }

    /** An MP4 with its index at the end is decoded from the spooled file once complete, sound included. */
    @Test
    void mp4WithIndexAtTheEndKeepsItsSound() throws Exception {
        byte[] slow = write("slow-tone.mp4", VideoWriter.Options.DEFAULT.withFaststart(false).withAudio16k(tone));
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            sendMedia(s, slow, 64 * 1024);
            s.endOfInput();
            assertEquals(clip.frameCount(), s.framesDecoded());
            assertToneTrack(s, 4.8, 440, AAC_FRAME_SECONDS);
        }
    }

    /** Matroska carries Opus (48 kHz, converted to 16 kHz here). */
    @Test
    void matroskaWithOpusSound() throws Exception {
        byte[] mkv = write("tone.mkv", VideoWriter.Options.DEFAULT.withAudio16k(tone(660, 4.8)));
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            sendMedia(s, mkv, 4 * 1024);
            s.endOfInput();
            assertEquals(clip.frameCount(), s.framesDecoded());
            assertEquals(IntakeSession.AUDIO_FROM_CONTAINER, s.audioSource());
            assertToneTrack(s, 4.8, 660, AAC_FRAME_SECONDS);
        }
    }

    /**
     * AudioChunks are the session's audio wherever they come in the stream: before the first MediaChunk
     * (the track is never decoded) or after the last (its decoding stops, and a failure it would have had,
     * here over the audio limit, is not the call's).
     */
    @Test
    void audioChunksAreTheAudioWhereverTheyCome() throws Exception {
        IntakeLimits threeSeconds = new IntakeLimits(16 << 20, 3840, 2160, 18_000, 3.0, 8 << 20, 64 << 20);
        float[] other = tone(880, 2.0);
        try (IntakeSession before = session(true, threeSeconds); IntakeSession after = session(true, threeSeconds)) {
            before.addAudio(wav(other));
            sendMedia(before, mp4Tone, 8 * 1024);
            before.endOfInput();

            sendMedia(after, mp4Tone, 8 * 1024);
            after.addAudio(wav(other));
            after.endOfInput();
            for (IntakeSession s : new IntakeSession[] {before, after}) {
                assertEquals(clip.frameCount(), s.framesDecoded());
                assertEquals(IntakeSession.AUDIO_FROM_CHUNKS, s.audioSource());
                assertToneTrack(s, 2.0, 880, 0.001);
            }
        }
    }

    /** A track longer than refseg.limits.max-audio-seconds: RESOURCE_EXHAUSTED naming media.data and the limit. */
    @Test
    void aTrackOverTheAudioLimitIsResourceExhausted() throws Exception {
        IntakeLimits oneSecond = new IntakeLimits(16 << 20, 3840, 2160, 18_000, 1.0, 8 << 20, 64 << 20);
        try (IntakeSession s = session(true, oneSecond)) {
            sendMedia(s, mp4Tone, 8 * 1024);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, s::endOfInput);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertEquals("media.data: audio seconds 2 exceeds the limit refseg.limits.max-audio-seconds = 1",
                    e.getStatus().getDescription());
            assertEquals(clip.frameCount(), s.framesDecoded(), "the video is decoded whole");
        }
    }

    /**
     * An audio track FFmpeg parses but this build cannot decode (AC-4: the AAC sample entry renamed 'ac-4')
     * is named with its codec, one FFmpeg does not know by its tag; without audio_track the same file is
     * just a video.
     */
    @Test
    void anUndecodableAudioCodecIsNamed() throws Exception {
        byte[] ac4 = renameAacSampleEntry(mp4Tone, "ac-4");
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            sendMedia(s, ac4, 8 * 1024);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, s::endOfInput);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertEquals("media.data: the MP4 stream's audio track uses codec ac4, which this build cannot decode",
                    e.getStatus().getDescription());
        }
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            sendMedia(s, renameAacSampleEntry(mp4Tone, "mha2"), 8 * 1024);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, s::endOfInput);
            assertEquals("media.data: the MP4 stream's audio track uses an audio codec FFmpeg does not know (codec tag "
                    + "'mha2')", e.getStatus().getDescription());
        }
        try (IntakeSession s = session(false, IntakeLimits.defaults())) {
            sendMedia(s, ac4, 8 * 1024);
            s.endOfInput();
            assertEquals(clip.frameCount(), s.framesDecoded());
        }
    }

    /**
     * The MP4's AAC sample entry ('mp4a') renamed, and its decoder configuration ('esds', which would name
     * AAC again) turned into a 'free' box that readers skip.
     */
    static byte[] renameAacSampleEntry(byte[] file, String type) {
        byte[] out = file.clone();
        replaceFirst(out, "mp4a", type);
        replaceFirst(out, "esds", "free");
        return out;
    }

    private static void replaceFirst(byte[] b, String from, String to) {
        int at = new String(b, StandardCharsets.ISO_8859_1).indexOf(from);
        if (at < 0) {
            throw new AssertionError(from + " not found");
        }
        System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, b, at, 4);
    }

    /** A session given up mid-stream (client gone) frees its audio decoder with the rest ({@link NativeAudioLeaks}). */
    @Test
    void abortingMidStreamFreesTheAudioDecoder() throws Exception {
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            sendMedia(s, Arrays.copyOf(mp4Tone, mp4Tone.length / 2), 8 * 1024);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (s.audioSeconds() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(s.audioSeconds() > 0, "the audio track was being decoded");
            s.abort();
        }
    }

    /** The audio is known once the input is complete. */
    @Test
    void theAudioIsReadAfterTheInputEnds() throws Exception {
        try (IntakeSession s = session(true, IntakeLimits.defaults())) {
            assertThrows(IllegalStateException.class, s::audio16k);
        }
    }
}
