package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.refseg.synth.SampleClip;
import dev.refseg.synth.SyntheticClip;
import dev.refseg.v1.ContainerFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Container pictures go into the store as FFmpeg decodes them (written on the writer thread) and come
 * out as the RGB the decoder's frame converts to; several threads may read at once.
 */
class FrameStoreTest {
    static SyntheticClip clip;
    static byte[] mp4;
    @TempDir
    static Path dir;

    @BeforeAll
    static void render() throws Exception {
        clip = SampleClip.render();
        Path f = dir.resolve("clip.mp4");
        VideoWriter.write(f, clip.frames(), clip.width(), clip.height(), clip.spec().fps());
        mp4 = Files.readAllBytes(f);
    }

    /** Decodes the sample MP4 into {@code store}, keeping each picture's RGB (converted at once) in {@code direct}. */
    static void decodeInto(FrameStore store, List<DecodedFrame> direct) throws Exception {
        try (RgbConverter rgb = new RgbConverter();
                ContainerDecoder d = new ContainerDecoder(Files.createTempDirectory(dir, "work"),
                        ContainerFormat.CONTAINER_FORMAT_UNSPECIFIED, Arrays.copyOf(mp4, 16), IntakeLimits.defaults(),
                        1L << 30, MediaSettings.defaults(), p -> {
                            direct.add(p.toRgb(rgb));
                            store.addPicture(p);
                        })) {
            for (int off = 0; off < mp4.length; off += 4096) {
                d.write(Arrays.copyOfRange(mp4, off, Math.min(mp4.length, off + 4096)));
            }
            d.finish();
        }
        store.flush();
    }

    @Test
    void picturesReadBackAsTheirFramesConvert() throws Exception {
        List<DecodedFrame> direct = new ArrayList<>();
        try (ImageDecoder images = new ImageDecoder(IntakeLimits.defaults(), false);
                FrameStore store = new FrameStore(dir, images)) {
            decodeInto(store, direct);
            assertEquals(clip.frameCount(), store.size());
            // 4:2:0 planes packed: 1.5 bytes per pixel.
            assertEquals((long) clip.frameCount() * clip.width() * clip.height() * 3 / 2, store.storedBytes());
            for (int i = 0; i < store.size(); i++) {
                DecodedFrame f = store.get(i);
                assertEquals(direct.get(i).timestampUs(), f.timestampUs());
                assertArrayEquals(direct.get(i).rgb(), f.rgb(), "frame " + i);
            }
            // Four threads at once, each frame several times: the same pixels.
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> same = new ArrayList<>();
                for (int k = 0; k < 4 * store.size(); k++) {
                    int i = k % store.size();
                    same.add(pool.submit(() -> Arrays.equals(direct.get(i).rgb(), store.get(i).rgb())));
                }
                for (Future<Boolean> s : same) {
                    assertTrue(s.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void anAbortedStoreTakesNoMorePictures() throws Exception {
        List<DecodedFrame> direct = new ArrayList<>();
        try (ImageDecoder images = new ImageDecoder(IntakeLimits.defaults(), false);
                FrameStore store = new FrameStore(dir, images)) {
            decodeInto(store, direct);
            store.abort();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, store::flush);
            assertEquals(Status.Code.CANCELLED, e.getStatus().getCode());
        }
        // Aborted before its first picture: the decoder handing one over is stopped.
        try (ImageDecoder images = new ImageDecoder(IntakeLimits.defaults(), false);
                FrameStore store = new FrameStore(dir, images)) {
            store.abort();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> decodeInto(store, direct));
            assertEquals(Status.Code.CANCELLED, e.getStatus().getCode(), e.getStatus().getDescription());
            assertEquals(0, store.size());
        }
        assertTrue(Files.list(dir).noneMatch(p -> p.getFileName().toString().startsWith("frames")),
                "the scratch file is removed");
    }
}
