package dev.refseg.media;

import static dev.refseg.media.AudioTrackTest.chunk;
import static dev.refseg.media.AudioTrackTest.tone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.AudioChunk;
import dev.refseg.v1.AudioEncoding;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avcodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 3: each kind of bad audio gets its own INVALID_ARGUMENT naming the field (never INTERNAL),
 * and no native resampler is left behind.
 */
@ExtendWith(NativeAudioLeaks.class)
class AudioFaultsTest {
    @TempDir
    static Path dir;
    /** 2 s of a 440 Hz tone: a 22.05 kHz mono 16-bit WAV, an MP3, an Ogg/Opus, an ADTS AAC and an M4A. */
    static byte[] wav;
    static byte[] mp3;
    static byte[] opus;
    static byte[] adts;
    static byte[] m4a;

    @BeforeAll
    static void encode() throws Exception {
        wav = WavWriter.pcm16(tone(22_050, 1), 22_050);
        mp3 = AudioTrackTest.encode(dir, "a.mp3", "mp3", avcodec.AV_CODEC_ID_MP3, 44_100);
        opus = AudioTrackTest.encode(dir, "a.ogg", "ogg", avcodec.AV_CODEC_ID_OPUS, 48_000);
        adts = AudioTrackTest.encode(dir, "a.aac", "adts", avcodec.AV_CODEC_ID_AAC, 44_100);
        m4a = AudioTrackTest.encode(dir, "a.m4a", "mp4", avcodec.AV_CODEC_ID_AAC, 44_100);
    }



    /** Adds the chunks in order; the last one must be refused with exactly this message. */
    static void refusedOnAdd(String description, AudioChunk... chunks) {
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            for (int i = 0; i < chunks.length - 1; i++) {
                t.add(chunks[i]);
            }
            AudioChunk last = chunks[chunks.length - 1];
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> t.add(last));
            assertInvalid(description, e);
        }
    }

    /** Adds the chunks; decoding them must be refused with exactly this message. */
    static void refusedOnDecode(String description, AudioChunk... chunks) {
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            for (AudioChunk c : chunks) {
                t.add(c);
            }
            assertInvalid(description, assertThrows(StatusRuntimeException.class, t::decode));
        }
    }

    static void assertInvalid(String description, StatusRuntimeException e) {
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().getDescription());
        assertEquals(description, e.getStatus().getDescription());
    }

    /** Decodes the chunks: 2 s of the 440 Hz tone. */
    static void decodesToTheTone(double toleranceSeconds, AudioChunk... chunks) {
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            for (AudioChunk c : chunks) {
                t.add(c);
            }
            AudioTrackTest.assertTone(t.decode(), toleranceSeconds);
        }
    }

    static AudioChunk encoded(AudioEncoding e, byte[] data) {
        return chunk(e, data, 0, 0);
    }

    /** A float WAV (format 3: 32-bit, or 64-bit when {@code doubles}) of interleaved samples. */
    static byte[] floatWav(float[] interleaved, int rate, int channels, boolean doubles) {
        int size = doubles ? 8 : 4;
        ByteBuffer b = ByteBuffer.allocate(44 + interleaved.length * size).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + interleaved.length * size)
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 3)
                .putShort((short) channels).putInt(rate).putInt(rate * channels * size)
                .putShort((short) (channels * size)).putShort((short) (8 * size))
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(interleaved.length * size);
        for (float v : interleaved) {
            if (doubles) {
                b.putDouble(v);
            } else {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    static byte[] f32le(float... samples) {
        ByteBuffer b = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : samples) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** The 22.05 kHz WAV with one header field changed: {@code bytes} bytes at {@code offset}. */
    static byte[] wavWith(int offset, long value, int bytes) {
        byte[] w = wav.clone();
        ByteBuffer b = ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes == 2) {
            b.putShort(offset, (short) value);
        } else {
            b.putInt(offset, (int) value);
        }
        return w;
    }

    @Test
    void anEmptyChunkIsRefused() {
        String rest = "is empty; an AudioChunk carries the next PCM samples or the next bytes of the file, at least "
                + "one (a stream without audio sends no AudioChunk)";
        refusedOnAdd("audio[0].data: " + rest, chunk(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, new byte[0], 16_000, 1));
        refusedOnAdd("audio[1].data: " + rest, encoded(AudioEncoding.AUDIO_ENCODING_WAV, wav),
                encoded(AudioEncoding.AUDIO_ENCODING_WAV, new byte[0]));
    }

    @Test
    void floatPcmMustBeFiniteAndWithinOne() {
        String rule = "; AUDIO_ENCODING_PCM_F32LE samples must be finite numbers in [-1, 1]";
        float[][] bad = {{0f, 0f, 0.5f, 0f, 0f, Float.NaN}, {Float.POSITIVE_INFINITY}, {0f, Float.NEGATIVE_INFINITY},
            {0.25f, -1.0001f}};
        String[] named = {"sample 2 (channel 1) is NaN", "sample 0 (channel 0) is Infinity",
            "sample 0 (channel 1) is -Infinity", "sample 0 (channel 1) is -1.0001"};
        for (int i = 0; i < bad.length; i++) {
            int channels = bad[i].length % 2 == 0 ? 2 : 1;
            refusedOnAdd("audio[0].data: " + named[i] + rule,
                    chunk(AudioEncoding.AUDIO_ENCODING_PCM_F32LE, f32le(bad[i]), 16_000, channels));
        }
    }

    /** A float WAV holds float PCM: the same rule, checked as it decodes, naming the sample and channel. */
    @Test
    void floatWavSamplesMustBeFiniteAndWithinOne() {
        float[] mono = tone(16_000, 1);
        float[] stereo = new float[mono.length * 2];
        for (int i = 0; i < mono.length; i++) {
            stereo[2 * i] = mono[i];
            stereo[2 * i + 1] = mono[i];
        }
        decodesToTheTone(0.001, encoded(AudioEncoding.AUDIO_ENCODING_WAV, floatWav(stereo, 16_000, 2, false)));
        decodesToTheTone(0.001, encoded(AudioEncoding.AUDIO_ENCODING_WAV, floatWav(stereo, 16_000, 2, true)));
        String rule = "; float PCM samples must be finite numbers in [-1, 1]";
        float[] values = {Float.NaN, Float.POSITIVE_INFINITY, 3.0f, -1.5f};
        for (int k = 0; k < values.length; k++) {
            float[] s = stereo.clone();
            s[2 * 20_000 + 1] = values[k]; // sample 20000, channel 1: in a later packet than the first
            boolean doubles = k % 2 == 1;
            String value = doubles ? Double.toString(values[k]) : Float.toString(values[k]);
            refusedOnDecode("audio.data: the WAV data has sample 20000 (channel 1) = " + value + rule,
                    encoded(AudioEncoding.AUDIO_ENCODING_WAV, floatWav(s, 16_000, 2, doubles)));
        }
        float[] s = mono.clone();
        s[7] = Float.NaN;
        refusedOnDecode("audio.data: the encoded audio data has sample 7 (channel 0) = NaN" + rule,
                encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, floatWav(s, 16_000, 1, false)));
    }

    /** Parsed but not decodable by this build, unknown to FFmpeg, or not audio at all: each said so. */
    @Test
    void anUndecodableCodecOrDataThatIsNotAudioIsNamed() throws Exception {
        refusedOnDecode("audio.data: the AAC data uses codec ac4, which this build cannot decode",
                encoded(AudioEncoding.AUDIO_ENCODING_AAC, ContainerAudioTest.renameAacSampleEntry(m4a, "ac-4")));
        refusedOnDecode("audio.data: the encoded audio data uses an audio codec FFmpeg does not know (codec tag "
                + "0x1234)",
                encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, wavWith(20, 0x1234, 2)));

        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        refusedOnDecode("audio.data: the encoded audio data is not audio: FFmpeg reads it as 'png_pipe' data with no "
                + "audio stream", encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, png.toByteArray()));

        SyntheticClip clip = SampleClip.render();
        Path video = dir.resolve("silent.mp4");
        VideoWriter.write(video, clip.frames().subList(0, 4), clip.width(), clip.height(), 10);
        refusedOnDecode("audio.data: the encoded audio data is not audio: FFmpeg reads it as an MP4/M4A file with no "
                + "audio stream", encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, Files.readAllBytes(video)));

        byte[] noise = new byte[4096];
        new Random(10).nextBytes(noise);
        try (AudioTrack t = new AudioTrack(IntakeLimits.defaults())) {
            t.add(encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, noise));
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, t::decode);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("audio.data: the encoded audio data is not in an "
                    + "audio format FFmpeg recognises ("), e.getStatus().getDescription());
        }
    }

    /** For encoded audio the rate and channels are optional; given, they must be the file's. */
    @Test
    void aDeclaredRateOrChannelCountMustBeTheFiles() {
        String wavIs = " but the data is a WAV file (pcm_s16le, 22050 Hz, 1 channel); ";
        String rate = "give the file's rate, or 0 to take it from the file";
        refusedOnDecode("audio[0].sample_rate_hz: is 16000" + wavIs + rate,
                chunk(AudioEncoding.AUDIO_ENCODING_WAV, wav, 16_000, 0));
        refusedOnDecode("audio[0].channels: is 2" + wavIs + "give the file's channel count, or 0 to take it from the "
                + "file",
                chunk(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, wav, 0, 2));
        refusedOnDecode("audio[0].sample_rate_hz: is 48000 but the data is an MP3 file (mp3, 44100 Hz, 1 channel); "
                + rate, chunk(AudioEncoding.AUDIO_ENCODING_MP3, mp3, 48_000, 1));
        decodesToTheTone(0.001, chunk(AudioEncoding.AUDIO_ENCODING_WAV, wav, 22_050, 1));
        decodesToTheTone(0.1, chunk(AudioEncoding.AUDIO_ENCODING_OPUS, opus, 48_000, 1));
        // Later chunks may leave them out (0), not change them.
        byte[] head = java.util.Arrays.copyOf(wav, 1000);
        byte[] rest = java.util.Arrays.copyOfRange(wav, 1000, wav.length);
        decodesToTheTone(0.001, chunk(AudioEncoding.AUDIO_ENCODING_WAV, head, 22_050, 1),
                chunk(AudioEncoding.AUDIO_ENCODING_WAV, rest, 0, 0));
        refusedOnAdd("audio[1]: changes the audio format mid-stream (first chunk: AUDIO_ENCODING_WAV 22050 Hz)",
                chunk(AudioEncoding.AUDIO_ENCODING_WAV, head, 22_050, 0),
                chunk(AudioEncoding.AUDIO_ENCODING_WAV, rest, 16_000, 0));
    }

    /** A declared encoding is checked against the demuxer FFmpeg picked (and the codec it found). */
    @Test
    void aDeclaredEncodingMustBeWhatTheBytesAre() {
        String fix = "; give the encoding the data has, or AUDIO_ENCODING_UNSPECIFIED to detect it";
        refusedOnDecode("audio[0].encoding: is AUDIO_ENCODING_MP3 but the data is a WAV file (pcm_s16le, 22050 Hz, "
                + "1 channel)" + fix, encoded(AudioEncoding.AUDIO_ENCODING_MP3, wav));
        refusedOnDecode("audio[0].encoding: is AUDIO_ENCODING_WAV but the data is an MP3 file (mp3, 44100 Hz, "
                + "1 channel)" + fix, encoded(AudioEncoding.AUDIO_ENCODING_WAV, mp3));
        refusedOnDecode("audio[0].encoding: is AUDIO_ENCODING_OPUS but the data is an AAC/ADTS stream (aac, 44100 Hz, "
                + "1 channel)" + fix, encoded(AudioEncoding.AUDIO_ENCODING_OPUS, adts));
        refusedOnDecode("audio[0].encoding: is AUDIO_ENCODING_AAC but the data is an Ogg file (opus, 48000 Hz, "
                + "1 channel)" + fix, encoded(AudioEncoding.AUDIO_ENCODING_AAC, opus));
        decodesToTheTone(0.1, encoded(AudioEncoding.AUDIO_ENCODING_AAC, m4a));
        decodesToTheTone(0.1, encoded(AudioEncoding.AUDIO_ENCODING_AAC, adts));
    }

    @Test
    void pcmWithAPartialSampleIsRefused() {
        refusedOnAdd("audio[0].data: 6 bytes is not a whole number of 1-channel AUDIO_ENCODING_PCM_F32LE samples "
                + "(4 bytes each)", chunk(AudioEncoding.AUDIO_ENCODING_PCM_F32LE, new byte[6], 16_000, 1));
        refusedOnAdd("audio[1].data: 6 bytes is not a whole number of 2-channel AUDIO_ENCODING_PCM_S16LE samples "
                + "(4 bytes each)", chunk(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, new byte[8], 16_000, 2),
                chunk(AudioEncoding.AUDIO_ENCODING_PCM_S16LE, new byte[6], 16_000, 2));
    }

    /** Crafted WAV headers: impossible rates and channel counts are INVALID_ARGUMENT naming them, never INTERNAL. */
    @Test
    void anImpossibleWavHeaderIsRefused() {
        String data = "audio.data: the encoded audio data declares ";
        String rates = " Hz in its WAV header; WAV audio must have 1 to 384000 Hz";
        for (long rate : new long[] {0, 400_000, 1_000_000_000, 0x7FFFFFFFL, 0xFFFFFFFFL}) {
            refusedOnDecode(data + "a sample rate of " + rate + rates,
                    encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, wavWith(24, rate, 4)));
        }
        for (int channels : new int[] {0, 17, 65535}) {
            refusedOnDecode(data + channels + " channels in its WAV header; WAV audio must have 1 to 16",
                    encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, wavWith(22, channels, 2)));
        }
        for (int bits : new int[] {0, 7, 12, 72}) {
            refusedOnDecode(data + "PCM of " + bits + " bits per sample in its WAV header; WAV PCM samples are whole "
                    + "bytes: 8, 16, 24, 32 or 64 bits", encoded(AudioEncoding.AUDIO_ENCODING_UNSPECIFIED, wavWith(34, bits, 2)));
        }
    }
}
