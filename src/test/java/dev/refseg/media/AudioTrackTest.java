package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Audio in every accepted form comes out as 16 kHz mono float with its duration and pitch intact. */
@ExtendWith(NativeAudioLeaks.class)
class AudioTrackTest {
    static final double SECONDS = 2.0;
    static final double TONE = 440;

    static float[] tone(int rate, int channels) {
        int n = (int) (SECONDS * rate);
        float[] s = new float[n * channels];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                s[i * channels + c] = (float) (0.4 * Math.sin(2 * Math.PI * TONE * i / rate));
            }
        }
        return s;
    }

    /** Power at a frequency (Goertzel), to check the tone survived resampling and coding. */
    static double power(float[] x, int rate, double f) {
        double w = 2 * Math.PI * f / rate;
        double c = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        for (float v : x) {
            double s0 = v + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return s1 * s1 + s2 * s2 - c * s1 * s2;
    }

    static void assertTone(float[] out, double toleranceSeconds) {
        assertEquals(SECONDS, out.length / 16_000.0, toleranceSeconds);
        double at = power(out, 16_000, TONE);
        assertTrue(at > 100 * power(out, 16_000, 2 * TONE), "440 Hz should dominate 880 Hz");
        assertTrue(at > 100 * power(out, 16_000, TONE / 2), "440 Hz should dominate 220 Hz");
        float peak = 0;
        for (int i = out.length / 4; i < out.length * 3 / 4; i++) {
            peak = Math.max(peak, Math.abs(out[i]));
        }
        assertEquals(0.4, peak, 0.08);
    }

    static AudioChunk chunk(AudioEncoding e, byte[] data, int rate, int channels) {
        return AudioChunk.newBuilder().setEncoding(e).setData(ByteString.copyFrom(data)).setSampleRateHz(rate)
                .setChannels(channels).build();
    }

    @Test
    void pcmS16StereoIsDownmixedAndResampled() {
        byte[] pcm = WavWriter.toS16le(tone(44_100, 2));
        int half = pcm.length / 2 / 4 * 4;
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            t.add(chunk(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, java.util.Arrays.copyOf(pcm, half), 44_100, 2));
            t.add(chunk(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, java.util.Arrays.copyOfRange(pcm, half, pcm.length),
                    44_100, 2));
            assertEquals(SECONDS, t.receivedSeconds(), 1e-6);
            assertTone(t.decode(), 0.001);
        }
    }

    @Test
    void pcmF32At48k() {
        float[] s = tone(48_000, 1);
        ByteBuffer b = ByteBuffer.allocate(s.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : s) {
            b.putFloat(v);
        }
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            t.add(chunk(AudioEncoding.AUDIO_ENCODING_PCM_F32LE, b.array(), 48_000, 1));
            assertTone(t.decode(), 0.001);
        }
    }

    @Test
    void wavFile() {
        AudioTrack t = new AudioTrack(IntakeLimits.defaults());
        t.add(chunk(AudioEncoding.AUDIO_ENCODING_WAV, WavWriter.pcm16(tone(22_050, 1), 22_050), 0, 0));
        assertTone(t.decode(), 0.001);
    }

    static byte[] encode(Path dir, String file, String format, int codec, int rate) throws Exception {
        Path f = dir.resolve(file);
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(f.toFile(), 1)) {
            r.setFormat(format);
            r.setAudioCodec(codec);
            r.setSampleRate(rate);
            r.setAudioBitrate(96_000);
            r.start();
            r.recordSamples(rate, 1, FloatBuffer.wrap(tone(rate, 1)));
            r.stop();
        }
        return Files.readAllBytes(f);
    }

    @Test
    void encodedAacMp3AndOpus(@TempDir Path dir) throws Exception {
        byte[][] files = {
            encode(dir, "a.aac", "adts", avcodec.AV_CODEC_ID_AAC, 44_100),
            encode(dir, "a.mp3", "mp3", avcodec.AV_CODEC_ID_MP3, 44_100),
            encode(dir, "a.ogg", "ogg", avcodec.AV_CODEC_ID_OPUS, 48_000),
        };
        AudioEncoding[] declared = {AudioEncoding.AUDIO_ENCODING_AAC, AudioEncoding.AUDIO_ENCODING_MP3,
            AudioEncoding.AUDIO_ENCODING_OPUS};
        for (int i = 0; i < files.length; i++) {
            AudioTrack t = new AudioTrack(IntakeLimits.defaults());
            t.add(chunk(declared[i], files[i], 0, 0));
            // Lossy codecs pad the start and end with a frame or two.
            assertTone(t.decode(), 0.1);
        }
    }

    @Test
    void badAudioIsNamed() {
        AudioTrack t = new AudioTrack(IntakeLimits.defaults());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> t.add(chunk(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, new byte[3], 16_000, 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("audio[0].data: 3 bytes"), e.getStatus().getDescription());

        AudioTrack garbage = new AudioTrack(IntakeLimits.defaults());
        garbage.add(chunk(AudioEncoding.AUDIO_ENCODING_MP3, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, 0));
        StatusRuntimeException g = assertThrows(StatusRuntimeException.class, garbage::decode);
        assertTrue(g.getStatus().getDescription().startsWith("audio.data: the MP3 data is not in an audio format FFmpeg "
                + "recognises"), g.getStatus().getDescription());

        IntakeLimits tiny = new IntakeLimits(1 << 20, 100, 100, 10, 1.0, 1 << 20, 1 << 20);
        AudioTrack longAudio = new AudioTrack(tiny);
        StatusRuntimeException l = assertThrows(StatusRuntimeException.class,
                () -> longAudio.add(chunk(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, new byte[64_000], 16_000, 1)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, l.getStatus().getCode());
        assertTrue(l.getStatus().getDescription().contains("refseg.limits.max-audio-seconds = 1"));
    }

    /** A compressed file that expands past max-audio-seconds is stopped while it decodes, not after. */
    @Test
    void encodedAudioIsBoundedWhileItDecodes(@TempDir Path dir) throws Exception {
        IntakeLimits oneSecond = new IntakeLimits(1 << 20, 100, 100, 10, 1.0, 1 << 20, 1 << 20);
        for (byte[] file : new byte[][] {WavWriter.pcm16(tone(8_000, 1), 8_000),
                encode(dir, "b.mp3", "mp3", avcodec.AV_CODEC_ID_MP3, 44_100)}) {
            try (AudioTrack t = new AudioTrack(oneSecond)) {
                t.add(chunk(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, file, 0, 0));
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, t::decode);
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().startsWith("audio.data: audio seconds "),
                        e.getStatus().getDescription());
                assertTrue(e.getStatus().getDescription().endsWith("refseg.limits.max-audio-seconds = 1"),
                        e.getStatus().getDescription());
            }
        }
    }

    /** High-rate, many-channel PCM is kept as 16 kHz mono as it arrives (64 KB per second, not the input). */
    @Test
    void pcmIsConvertedAsItArrives() {
        int rate = 384_000;
        int channels = 16;
        float[] one = tone(rate, 1);
        ByteBuffer b = ByteBuffer.allocate(one.length / 8 * channels * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < one.length / 8; i++) { // SECONDS / 8 of audio per chunk
            for (int c = 0; c < channels; c++) {
                b.putFloat(one[i]);
            }
        }
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            for (int k = 0; k < 8; k++) {
                t.add(chunk(AudioEncoding.AUDIO_ENCODING_PCM_F32LE, b.array(), rate, channels));
            }
            assertEquals(SECONDS, t.receivedSeconds(), 1e-6);
            float[] out = t.decode();
            assertEquals(SECONDS, out.length / 16_000.0, 0.001);
            assertTrue(power(out, 16_000, TONE) > 100 * power(out, 16_000, 2 * TONE));
        }
    }

    @Test
    void oneFilePerStreamAndFloatSamplesInRange() {
        byte[] wav = WavWriter.pcm16(tone(16_000, 1), 16_000);
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            t.add(chunk(AudioEncoding.AUDIO_ENCODING_WAV, wav, 0, 0));
            t.add(chunk(AudioEncoding.AUDIO_ENCODING_WAV, wav, 0, 0)); // a second file, appended
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, t::decode);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("send one audio file per stream"),
                    e.getStatus().getDescription());
        }
        ByteBuffer loud = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(2.0f);
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> t.add(chunk(AudioEncoding.AUDIO_ENCODING_PCM_F32LE, loud.array(), 16_000, 1)));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("audio[0].data: sample 1 (channel 0) is 2.0"),
                    e.getStatus().getDescription());
        }
    }
}
