package dev.refseg.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Leak check for audio tests ({@code @ExtendWith(NativeAudioLeaks.class)}): after each test, as many native
 * audio resamplers are alive as before it (every session, track and decoder closed its own), and no media
 * decoder thread is left running.
 */
final class NativeAudioLeaks implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NativeAudioLeaks.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("resamplers", IntakeSession.liveAudioResamplers());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        int before = context.getStore(NS).get("resamplers", Integer.class);
        assertEquals(before, IntakeSession.liveAudioResamplers(), "native audio resamplers left unfreed");
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("refseg-media-decoder")).count(),
                "media decoder threads still running");
    }
}
