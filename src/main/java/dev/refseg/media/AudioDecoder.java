package dev.refseg.media;

import java.util.Arrays;
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
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Decodes an encoded audio file held in memory (WAV, AAC/M4A, MP3, Ogg/Opus — whatever FFmpeg's
 * demuxers recognise) to mono float samples at a target rate: FFmpeg's resampler (libswresample,
 * default filter) converts rate and sample format; channels are then averaged, as librosa's mono load
 * does (BEATs' reference pipeline), rather than by FFmpeg's downmix matrix.
 * <p>
 * Runs on the caller's thread; {@code stop} is checked between packets so an ending call does not wait
 * for a long file to finish.
 */
final class AudioDecoder {
    private AudioDecoder() {
    }

    /**
     * @param data       the whole file
     * @param targetRate samples per second of the result
     * @param stop       true when the call is ending: decoding stops and {@link BytePipe.Aborted} is thrown
     * @return mono samples in [-1, 1] (as the codec gives them)
     * @throws FfmpegInput.FfmpegException when FFmpeg cannot read or decode the data
     * @throws IllegalArgumentException    when the data holds no audio stream
     */
    static float[] decode(byte[] data, int targetRate, BooleanSupplier stop) {
        Ffmpeg.init();
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
            return decodeStream(fc, fc.streams(as), as, targetRate, stop);
        }
    }

    private static float[] decodeStream(AVFormatContext fc, AVStream st, int index, int targetRate, BooleanSupplier stop) {
        AVCodec codec = avcodec.avcodec_find_decoder(st.codecpar().codec_id());
        if (codec == null) {
            throw new IllegalArgumentException("uses codec " + avcodec.avcodec_get_name(st.codecpar().codec_id()).getString()
                    + ", which this build cannot decode");
        }
        AVCodecContext ctx = avcodec.avcodec_alloc_context3(codec);
        AVPacket pkt = avcodec.av_packet_alloc();
        AVFrame frame = avutil.av_frame_alloc();
        AVFrame out = avutil.av_frame_alloc();
        SwrContext swr = swresample.swr_alloc();
        Mono mono = new Mono();
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
                    decodePacket(ctx, pkt, frame, out, swr, targetRate, mono);
                }
                avcodec.av_packet_unref(pkt);
            }
            if (ret != avutil.AVERROR_EOF) {
                throw new FfmpegInput.FfmpegException("cannot read the audio data", ret);
            }
            decodePacket(ctx, null, frame, out, swr, targetRate, mono);
            if (swresample.swr_is_initialized(swr) > 0) {
                convert(swr, out, null, targetRate, ctx.ch_layout(), mono); // the resampler's tail
            }
            return mono.toArray();
        } finally {
            swresample.swr_free(swr);
            avutil.av_frame_free(out);
            avutil.av_frame_free(frame);
            avcodec.av_packet_free(pkt);
            avcodec.avcodec_free_context(ctx);
        }
    }

    private static void decodePacket(AVCodecContext ctx, AVPacket pkt, AVFrame frame, AVFrame out, SwrContext swr,
            int targetRate, Mono mono) {
        int ret = avcodec.avcodec_send_packet(ctx, pkt);
        if (ret < 0 && ret != avutil.AVERROR_EOF) {
            throw new FfmpegInput.FfmpegException("cannot decode the audio", ret);
        }
        while ((ret = avcodec.avcodec_receive_frame(ctx, frame)) >= 0) {
            try {
                convert(swr, out, frame, targetRate, frame.ch_layout(), mono);
            } finally {
                avutil.av_frame_unref(frame);
            }
        }
        if (ret != avutil.AVERROR_EAGAIN() && ret != avutil.AVERROR_EOF) {
            throw new FfmpegInput.FfmpegException("cannot decode the audio", ret);
        }
    }

    /** Resamples {@code in} (null = flush) to float at the target rate, keeping the channels, and averages them. */
    private static void convert(SwrContext swr, AVFrame out, AVFrame in, int targetRate,
            org.bytedeco.ffmpeg.avutil.AVChannelLayout layout, Mono mono) {
        avutil.av_frame_unref(out);
        if (in != null) {
            standardise(in.ch_layout());
        }
        avutil.av_channel_layout_copy(out.ch_layout(), layout);
        standardise(out.ch_layout());
        out.sample_rate(targetRate);
        out.format(avutil.AV_SAMPLE_FMT_FLT);
        int ret = swresample.swr_convert_frame(swr, out, in);
        if (ret < 0) {
            throw new FfmpegInput.FfmpegException("cannot resample the audio", ret);
        }
        int channels = out.ch_layout().nb_channels();
        int n = out.nb_samples();
        if (n > 0 && channels > 0) {
            float[] interleaved = new float[n * channels];
            new FloatPointer(out.data(0)).get(interleaved);
            mono.add(interleaved, channels);
        }
    }

    /**
     * A layout of unspecified order (WAV without a channel mask) becomes the default layout of its
     * channel count: the resampler does that itself at set-up and would otherwise see every later frame
     * as a change of input.
     */
    private static void standardise(org.bytedeco.ffmpeg.avutil.AVChannelLayout layout) {
        if (layout.order() == avutil.AV_CHANNEL_ORDER_UNSPEC) {
            int n = layout.nb_channels();
            avutil.av_channel_layout_uninit(layout);
            avutil.av_channel_layout_default(layout, n);
        }
    }

    /** Growable mono sample buffer. */
    private static final class Mono {
        private float[] data = new float[16_000];
        private int size;

        /** Appends interleaved samples, averaging the channels of each sample frame. */
        void add(float[] interleaved, int channels) {
            int n = interleaved.length / channels;
            if (size + n > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
            }
            for (int i = 0, k = 0; i < n; i++) {
                float sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += interleaved[k++];
                }
                data[size + i] = sum / channels;
            }
            size += n;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
