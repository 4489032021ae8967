package dev.refseg.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Decodes an encoded audio file held in memory (WAV, AAC/M4A, MP3, Ogg/Opus, FLAC — whatever FFmpeg's
 * demuxers recognise) to mono float samples at a target rate through a {@link MonoResampler}, whose
 * bound stops a small compressed file from expanding without limit. A WAV file with bytes after its
 * declared end (a second file appended) is refused rather than cut.
 * <p>
 * Runs on the caller's thread; {@code stop} is checked between packets so an ending call does not wait
 * for a long file to finish.
 */
final class AudioDecoder {
    private AudioDecoder() {
    }

    /**
     * @param data  the whole file
     * @param out   receives the samples (its bound applies)
     * @param stop  true when the call is ending: decoding stops and {@link BytePipe.Aborted} is thrown
     * @param check sees what the data declares before any of it is decoded, and may refuse it by throwing
     * @throws FfmpegInput.FfmpegException when FFmpeg cannot read or decode the data
     * @throws IllegalArgumentException    when the data is not in a format FFmpeg recognises or holds no audio
     *                                     stream, a WAV header is impossible or has bytes after its end, or
     *                                     the stream cannot be decoded (see {@link AudioStreamDecoder}); the
     *                                     message continues "the ... data "
     * @throws MonoResampler.TooLong       past the resampler's bound
     */
    static void decode(byte[] data, MonoResampler out, BooleanSupplier stop, Consumer<AudioStreamDecoder.Info> check) {
        Ffmpeg.init();
        checkWavLength(data);
        checkWavFormat(data);
        FfmpegInput in;
        try {
            in = FfmpegInput.open(FfmpegInput.of(data), null, Map.of());
        } catch (FfmpegInput.FfmpegException e) {
            throw new IllegalArgumentException("is not in an audio format FFmpeg recognises (" + e.getMessage()
                    + "); send WAV, AAC (ADTS or M4A), MP3 or Ogg/Opus, or PCM with its encoding, rate and channels");
        }
        try (in) {
            AVFormatContext fc = in.context();
            int ret = avformat.avformat_find_stream_info(fc, (org.bytedeco.javacpp.PointerPointer<?>) null);
            if (ret < 0) {
                throw new FfmpegInput.FfmpegException("cannot read the stream parameters", ret);
            }
            int as = avformat.av_find_best_stream(fc, avutil.AVMEDIA_TYPE_AUDIO, -1, -1, (AVCodec) null, 0);
            if (as < 0) {
                throw new IllegalArgumentException("is not audio: FFmpeg reads it as "
                        + AudioStreamDecoder.Info.file(fc.iformat().name().getString()) + " with no audio stream");
            }
            decodeStream(fc, fc.streams(as), as, out, stop, check);
        }
    }

    /**
     * A WAV file declares its length (the RIFF chunk size); bytes after it — typically a second file sent on
     * the same stream — would be skipped by the demuxer without a word, so they are refused. Sizes a
     * streaming writer leaves unset (0, 0xFFFFFFFF) or that overrun the data are not checked.
     *
     * @throws IllegalArgumentException when more than a pad byte follows the declared end
     */
    static void checkWavLength(byte[] d) {
        if (d.length < 12 || d[0] != 'R' || d[1] != 'I' || d[2] != 'F' || d[3] != 'F' || d[8] != 'W' || d[9] != 'A'
                || d[10] != 'V' || d[11] != 'E') {
            return;
        }
        long riff = (d[4] & 0xffL) | (d[5] & 0xffL) << 8 | (d[6] & 0xffL) << 16 | (d[7] & 0xffL) << 24;
        long end = riff + 8;
        if (riff == 0 || riff == 0xFFFFFFFFL || end > d.length) {
            return;
        }
        if (d.length - end > 1) {
            throw new IllegalArgumentException("is a WAV file that ends at byte " + end + " (its RIFF size) of "
                    + d.length + "; the remaining " + (d.length - end) + " bytes are not part of it (send one audio "
                    + "file per stream)");
        }
    }

    /**
     * A WAV header's format fields are checked before FFmpeg reads them: FFmpeg takes a rate of 10⁹ Hz
     * (and resamples it to nothing) or refuses a rate of 0 as "invalid data", without saying which field
     * is wrong. Data that is not a RIFF/WAVE file, or has no "fmt " chunk in its first bytes, is left to
     * FFmpeg.
     *
     * @throws IllegalArgumentException when the header declares 0 or too many channels, a rate outside
     *                                   1 to {@link AudioTrack#MAX_RATE} Hz, or PCM samples that are not whole bytes
     */
    static void checkWavFormat(byte[] d) {
        if (d.length < 12 || d[0] != 'R' || d[1] != 'I' || d[2] != 'F' || d[3] != 'F' || d[8] != 'W' || d[9] != 'A'
                || d[10] != 'V' || d[11] != 'E') {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        long next = 12;
        while (next + 8 <= d.length) {
            int pos = (int) next;
            long size = b.getInt(pos + 4) & 0xFFFFFFFFL;
            if (d[pos] == 'f' && d[pos + 1] == 'm' && d[pos + 2] == 't' && d[pos + 3] == ' ') {
                if (size < 16 || pos + 24 > d.length) {
                    return; // too short to hold the fields: FFmpeg says what is wrong
                }
                int tag = b.getShort(pos + 8) & 0xffff;
                int channels = b.getShort(pos + 10) & 0xffff;
                long rate = b.getInt(pos + 12) & 0xFFFFFFFFL;
                int bits = b.getShort(pos + 22) & 0xffff;
                if (channels == 0 || channels > AudioTrack.MAX_CHANNELS) {
                    throw new IllegalArgumentException("declares " + channels + " channels in its WAV header; WAV "
                            + "audio must have 1 to " + AudioTrack.MAX_CHANNELS);
                }
                if (rate == 0 || rate > AudioTrack.MAX_RATE) {
                    throw new IllegalArgumentException("declares a sample rate of " + rate + " Hz in its WAV header; "
                            + "WAV audio must have 1 to " + AudioTrack.MAX_RATE + " Hz");
                }
                boolean pcm = tag == 1 || tag == 3 || tag == 0xFFFE;
                if (pcm && (bits == 0 || bits % 8 != 0 || bits > 64)) {
                    // FFmpeg would read 7-bit samples as 8-bit ones: wrong sound, no error.
                    throw new IllegalArgumentException("declares PCM of " + bits + " bits per sample in its WAV "
                            + "header; WAV PCM samples are whole bytes: 8, 16, 24, 32 or 64 bits");
                }
                return;
            }
            next = pos + 8 + size + (size & 1);
        }
    }

    private static void decodeStream(AVFormatContext fc, AVStream st, int index, MonoResampler out,
            BooleanSupplier stop, Consumer<AudioStreamDecoder.Info> check) {
        AVPacket pkt = avcodec.av_packet_alloc();
        try (AudioStreamDecoder decoder = new AudioStreamDecoder(st, out)) {
            check.accept(AudioStreamDecoder.Info.of(fc, st));
            int ret;
            while ((ret = avformat.av_read_frame(fc, pkt)) >= 0) {
                if (stop.getAsBoolean()) {
                    throw new BytePipe.Aborted();
                }
                if (pkt.stream_index() == index) {
                    decoder.send(pkt);
                }
                avcodec.av_packet_unref(pkt);
            }
            if (ret != avutil.AVERROR_EOF) {
                throw new FfmpegInput.FfmpegException("cannot read the audio data", ret);
            }
            decoder.send(null);
        } finally {
            avcodec.av_packet_free(pkt);
        }
    }
}
