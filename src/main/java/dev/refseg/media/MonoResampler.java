package dev.refseg.media;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Audio frames of any sample format, layout and rate in; mono float samples at one rate out, as they
 * come. FFmpeg's resampler (libswresample, default filter) converts rate and format; channels are then
 * averaged, as librosa's mono load does (BEATs' reference pipeline), rather than by FFmpeg's downmix
 * matrix. The output is bounded: past {@code maxSamples} the next frame throws {@link TooLong}, so a
 * small compressed file cannot expand into gigabytes. One user thread; {@link #close()} frees it.
 */
final class MonoResampler implements AutoCloseable {
    /** More output than allowed. */
    static final class TooLong extends RuntimeException {
        final long samples;

        TooLong(long samples) {
            super(null, null, false, false);
            this.samples = samples;
        }
    }

    /** Resamplers alive in the process (made and not yet closed), for leak checks. */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private final int rate;
    private final long maxSamples;
    private final SwrContext swr = swresample.swr_alloc();
    private final AVFrame out = avutil.av_frame_alloc();
    private final AVChannelLayout lastLayout = new AVChannelLayout();
    private float[] data = new float[16_000];
    private int size;
    private boolean closed;

    /**
     * @param rate       samples per second of the output
     * @param maxSamples most output samples
     */
    MonoResampler(int rate, long maxSamples) {
        Ffmpeg.init();
        this.rate = rate;
        this.maxSamples = maxSamples;
        LIVE.incrementAndGet();
    }

    /** Resamplers of every session alive now: 0 once every session and decoder has closed its own. */
    static int live() {
        return LIVE.get();
    }

    /** Converts one frame and appends it. */
    void add(AVFrame in) {
        standardise(in.ch_layout());
        avutil.av_channel_layout_uninit(lastLayout);
        avutil.av_channel_layout_copy(lastLayout, in.ch_layout());
        convert(in);
    }

    /** Appends what the resampler still holds (its filter's tail). */
    void flush() {
        if (swresample.swr_is_initialized(swr) > 0) {
            convert(null);
        }
    }

    /** Output samples so far. */
    int size() {
        return size;
    }

    float[] toArray() {
        return Arrays.copyOf(data, size);
    }

    /** The samples so far, handed over and forgotten: {@code maxSamples} then bounds what is held between drains. */
    float[] drain() {
        float[] out = toArray();
        size = 0;
        return out;
    }

    private void convert(AVFrame in) {
        avutil.av_frame_unref(out);
        avutil.av_channel_layout_copy(out.ch_layout(), lastLayout);
        out.sample_rate(rate);
        out.format(avutil.AV_SAMPLE_FMT_FLT);
        int ret = swresample.swr_convert_frame(swr, out, in);
        if (ret < 0) {
            throw new FfmpegInput.FfmpegException("cannot resample the audio", ret);
        }
        int channels = out.ch_layout().nb_channels();
        int n = out.nb_samples();
        if (n <= 0 || channels <= 0) {
            return;
        }
        if (size + (long) n > maxSamples) {
            throw new TooLong(size + (long) n);
        }
        float[] interleaved = new float[n * channels];
        new FloatPointer(out.data(0)).get(interleaved);
        if (size + n > data.length) {
            data = Arrays.copyOf(data, (int) Math.min(Math.max(data.length * 2L, size + n), maxSamples));
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

    /**
     * A layout of unspecified order (WAV without a channel mask, raw PCM) becomes the default layout of
     * its channel count: the resampler does that itself at set-up and would otherwise see every later
     * frame as a change of input.
     */
    static void standardise(AVChannelLayout layout) {
        if (layout.order() == avutil.AV_CHANNEL_ORDER_UNSPEC) {
            int n = layout.nb_channels();
            avutil.av_channel_layout_uninit(layout);
            avutil.av_channel_layout_default(layout, n);
        }
    }

    /** Frees the native state. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIVE.decrementAndGet();
        swresample.swr_free(swr);
        avutil.av_frame_free(out);
        avutil.av_channel_layout_uninit(lastLayout);
        lastLayout.close();
    }
}
