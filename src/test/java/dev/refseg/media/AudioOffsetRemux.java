package dev.refseg.media;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Test media: copies a file's streams into Matroska with the audio track's timestamps moved by an
 * offset, as a recording whose sound starts after (or before) its picture does. No re-encoding.
 */
public final class AudioOffsetRemux {
    private AudioOffsetRemux() {
    }

    /**
     * @param offsetSeconds added to every audio packet's timestamps (positive: the sound starts later)
     * @throws IllegalStateException when FFmpeg cannot read or write the files
     */
    public static void remux(Path in, Path out, double offsetSeconds) {
        Ffmpeg.init();
        AVFormatContext ic = new AVFormatContext(null);
        check(avformat.avformat_open_input(ic, in.toString(), null, null), "open " + in);
        AVFormatContext oc = new AVFormatContext(null);
        try {
            check(avformat.avformat_find_stream_info(ic, (org.bytedeco.javacpp.PointerPointer<?>) null), "probe");
            check(avformat.avformat_alloc_output_context2(oc, null, "matroska", out.toString()), "output");
            for (int i = 0; i < ic.nb_streams(); i++) {
                AVStream s = avformat.avformat_new_stream(oc, null);
                check(avcodec.avcodec_parameters_copy(s.codecpar(), ic.streams(i).codecpar()), "copy parameters");
                s.codecpar().codec_tag(0);
                s.time_base(ic.streams(i).time_base());
            }
            AVIOContext pb = new AVIOContext(null);
            check(avformat.avio_open(pb, out.toString(), avformat.AVIO_FLAG_WRITE), "open " + out);
            oc.pb(pb);
            check(avformat.avformat_write_header(oc, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "header");
            AVPacket pkt = avcodec.av_packet_alloc();
            try {
                while (avformat.av_read_frame(ic, pkt) >= 0) {
                    AVStream is = ic.streams(pkt.stream_index());
                    if (is.codecpar().codec_type() == avutil.AVMEDIA_TYPE_AUDIO) {
                        long shift = Math.round(offsetSeconds / avutil.av_q2d(is.time_base()));
                        pkt.pts(pkt.pts() + shift);
                        pkt.dts(pkt.dts() + shift);
                    }
                    avcodec.av_packet_rescale_ts(pkt, is.time_base(), oc.streams(pkt.stream_index()).time_base());
                    check(avformat.av_interleaved_write_frame(oc, pkt), "write");
                    avcodec.av_packet_unref(pkt);
                }
            } finally {
                avcodec.av_packet_free(pkt);
            }
            check(avformat.av_write_trailer(oc), "trailer");
            avformat.avio_closep(oc.pb());
        } finally {
            avformat.avformat_free_context(oc);
            avformat.avformat_close_input(ic);
        }
    }

    private static void check(int ret, String what) {
        if (ret < 0) {
            throw new IllegalStateException("remux: " + what + ": " + Ffmpeg.error(ret));
        }
    }
}
