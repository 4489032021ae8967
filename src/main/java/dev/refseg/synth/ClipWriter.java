package dev.refseg.synth;

import dev.refseg.mask.BinaryMask;
import dev.refseg.media.ImageDecoder;
import dev.refseg.media.VideoWriter;
import dev.refseg.media.WavWriter;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes a synthetic clip to a folder:
 * <pre>
 * frames/00000.jpg ...        the frames (JPEG)
 * truth/clip/00000.png ...    ground truth in DAVIS layout: 8-bit labels, object k = k (1-based)
 * avs-truth/clip/00000.png    when the clip has audio: AVSBench's binary truth, 1 where an object
 *                             sounding at that frame's time is visible
 * clip.mp4                    the video (faststart MP4, with the sound as AAC when the clip has audio)
 * audio.wav                   16 kHz mono, when the clip has audio
 * referents.txt               "k<TAB>sentence" per object
 * </pre>
 */
public final class ClipWriter {
    private ClipWriter() {
    }

    public static void write(SyntheticClip clip, Path dir) throws Exception {
        Path frames = Files.createDirectories(dir.resolve("frames"));
        Path truth = Files.createDirectories(dir.resolve("truth").resolve("clip"));
        for (int f = 0; f < clip.frameCount(); f++) {
            String name = String.format(Locale.ROOT, "%05d", f);
            ImageIO.write(ImageDecoder.toImage(clip.frames().get(f), clip.width(), clip.height()), "jpg",
                    frames.resolve(name + ".jpg").toFile());
            writeLabels(clip, f, truth.resolve(name + ".png"));
            if (clip.audio16k().length > 0) {
                writeSounding(clip, f, Files.createDirectories(dir.resolve("avs-truth").resolve("clip"))
                        .resolve(name + ".png"));
            }
        }
        // The sound goes into the MP4 too (AAC), so the file alone serves an audio referent.
        VideoWriter.write(dir.resolve("clip.mp4"), clip.frames(), clip.width(), clip.height(), clip.spec().fps(),
                VideoWriter.Options.DEFAULT.withAudio16k(clip.audio16k().length > 0 ? clip.audio16k() : null));
        if (clip.audio16k().length > 0) {
            Files.write(dir.resolve("audio.wav"), WavWriter.pcm16(clip.audio16k(), SyntheticClip.AUDIO_RATE));
        }
        StringBuilder refs = new StringBuilder();
        for (int i = 0; i < clip.referents().size(); i++) {
            refs.append(i + 1).append('\t').append(clip.referents().get(i)).append('\n');
        }
        Files.writeString(dir.resolve("referents.txt"), refs, StandardCharsets.UTF_8);
    }

    /** One label PNG: pixel value = 1-based object id of the visible object, 0 = background. */
    public static void writeLabels(SyntheticClip clip, int frame, Path file) throws IOException {
        BufferedImage img = new BufferedImage(clip.width(), clip.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int o = 0; o < clip.truth().size(); o++) {
            BinaryMask m = clip.truth().get(o).get(frame);
            byte[] d = m.data();
            for (int i = 0; i < d.length; i++) {
                if (d[i] != 0) {
                    px[i] = (byte) (o + 1);
                }
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    /** AVSBench's binary truth of one frame: 1 where an object sounding at that frame's time is visible. */
    static void writeSounding(SyntheticClip clip, int frame, Path file) throws IOException {
        BufferedImage img = new BufferedImage(clip.width(), clip.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        double seconds = frame / clip.spec().fps();
        for (int o = 0; o < clip.truth().size(); o++) {
            if (!clip.spec().objects().get(o).soundsAt(seconds)) {
                continue;
            }
            byte[] d = clip.truth().get(o).get(frame).data();
            for (int i = 0; i < d.length; i++) {
                if (d[i] != 0) {
                    px[i] = 1;
                }
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }
}
