package dev.refseg.auth;

/** How callers of the public gRPC port are authenticated ({@code refseg.auth.mode}). */
public enum AuthMode {
    /** Every caller is served: the default, so a local demo needs no set-up. */
    NONE,
    /** Only callers that send one of the configured API keys ({@link ApiKeys}). */
    API_KEY
}
