package dev.refseg.media;

import java.util.Map;
import java.util.function.BooleanSupplier;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
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
     * @param data       the whole file
     * @param out        receives the samples (its bound applies)
     * @param stop       true when the call is ending: decoding stops and {@link BytePipe.Aborted} is thrown
     * @throws FfmpegInput.FfmpegException when FFmpeg cannot read or decode the data
     * @throws IllegalArgumentException    when the data holds no audio stream, or a WAV file has bytes after its end
     * @throws MonoResampler.TooLong       past the resampler's bound
     */
    static void decode(byte[] data, MonoResampler out, BooleanSupplier stop) {
        Ffmpeg.init();
        checkWavLength(data);
        try (FfmpegInput in = FfmpegInput.open(FfmpegInput.of(data), null, Map.of())) {
            AVFormatContext fc = in.context();
            int ret = avformat.avformat_find_stream_info(fc, (org.bytedeco.javacpp.PointerPointer<?>) null);
            if (ret < 0) {
                throw new FfmpegInput.FfmpegException("cannot read the stream parameters", ret);
            }
            int as = avformat.av_find_best_stream(fc, avutil.AVMEDIA_TYPE_AUDIO, -1, -1, (AVCodec) null, 0);
            if (as < 0) {
                throw new IllegalArgumentException("has no audio track");
            }
            decodeStream(fc, fc.streams(as), as, out, stop);
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

    private static void decodeStream(AVFormatContext fc, AVStream st, int index, MonoResampler out, BooleanSupplier stop) {
        AVCodec codec = avcodec.avcodec_find_decoder(st.codecpar().codec_id());
        if (codec == null) {
            throw new IllegalArgumentException("uses codec " + avcodec.avcodec_get_name(st.codecpar().codec_id()).getString()
                    + ", which this build cannot decode");
        }
        AVCodecContext ctx = avcodec.avcodec_alloc_context3(codec);
        AVPacket pkt = avcodec.av_packet_alloc();
        AVFrame frame = avutil.av_frame_alloc();
        try {
            int ret = avcodec.avcodec_parameters_to_context(ctx, st.codecpar());
            if (ret >= 0) {
                ctx.pkt_timebase(st.time_base());
                ctx.thread_count(1);
                ret = avcodec.avcodec_open2(ctx, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
            }
            if (ret < 0) {
                throw new FfmpegInput.FfmpegException("cannot open the audio decoder", ret);
            }
            while ((ret = avformat.av_read_frame(fc, pkt)) >= 0) {
                if (stop.getAsBoolean()) {
                    throw new BytePipe.Aborted();
                }
                if (pkt.stream_index() == index) {
                    decodePacket(ctx, pkt, frame, out);
                }
                avcodec.av_packet_unref(pkt);
            }
            if (ret != avutil.AVERROR_EOF) {
                throw new FfmpegInput.FfmpegException("cannot read the audio data", ret);
            }
            decodePacket(ctx, null, frame, out);
            out.flush();
        } finally {
            avutil.av_frame_free(frame);
            avcodec.av_packet_free(pkt);
            avcodec.avcodec_free_context(ctx);
        }
    }

    private static void decodePacket(AVCodecContext ctx, AVPacket pkt, AVFrame frame, MonoResampler out) {
        int ret = avcodec.avcodec_send_packet(ctx, pkt);
        if (ret < 0 && ret != avutil.AVERROR_EOF) {
            throw new FfmpegInput.FfmpegException("cannot decode the audio", ret);
        }
        while ((ret = avcodec.avcodec_receive_frame(ctx, frame)) >= 0) {
            try {
                out.add(frame);
            } finally {
                avutil.av_frame_unref(frame);
            }
        }
        if (ret != avutil.AVERROR_EAGAIN() && ret != avutil.AVERROR_EOF) {
            throw new FfmpegInput.FfmpegException("cannot decode the audio", ret);
        }
    }
}
