package dev.refseg.media;

/**
 * Receives decoded container pictures in order, on the decoder thread. Owns each picture it is given
 * (closes it, also when it throws). May throw a StatusRuntimeException to stop decoding (e.g. a limit).
 */
@FunctionalInterface
public interface FrameSink {
    void accept(VideoPicture picture);
}
