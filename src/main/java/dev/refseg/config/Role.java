package dev.refseg.config;

/** What this process does (refseg.role). */
public enum Role {
    /** Gateway and inference in one JVM: the default, no network hop. */
    EMBEDDED,
    /** The public API only; pixels and models live in an inference sidecar. */
    GATEWAY,
    /** The sidecar: decoding, models, tracking state. */
    INFERENCE
}
