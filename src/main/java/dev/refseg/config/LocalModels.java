package dev.refseg.config;

import jakarta.inject.Qualifier;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Qualifies the {@link dev.refseg.inference.InferenceBackend} that runs the models in this process
 * ({@code dev.refseg.inference.LocalSidecarBeans}). The gateway build has no such bean: it is only ever looked
 * up through an {@code Instance}, so the code that loads models is not part of that build.
 */
@Qualifier
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER, ElementType.TYPE})
public @interface LocalModels {
}
