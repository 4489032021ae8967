package dev.refseg.media;

/** Receives decoded frames in order. May throw a StatusRuntimeException to stop decoding (e.g. a limit). */
@FunctionalInterface
public interface FrameSink {
    void accept(DecodedFrame frame);
}
