package dev.refseg;

import dev.refseg.eval.EvalCli;
import dev.refseg.synth.SynthCli;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point. With no arguments it runs the service; the tool commands run without starting it:
 * <pre>
 * refseg                      run the gRPC service (role from refseg.role, default embedded)
 * refseg eval  --pred P --gt G [--skip-first-last]   score PNG masks (J, F, J&amp;F, AVS mIoU/F)
 * refseg synth --out DIR [--sample | ...]            write a synthetic clip with ground truth
 * refseg client [--target H:P] (--sample | --mp4 F | --frames D) [--audio] [--api-key K] [--ca-cert PEM]
 *                                                                    stream a video to a running refseg
 * refseg fixtures --out DIR [--family nvidia|transformers] [--image-size S]   write the demo models and manifest
 * refseg models --dir DIR [--runs N] [--providers cuda,cpu]         check a model directory, run each graph
 * refseg models --print-manifest DIR                                 the manifest for unnamed downloaded files
 * refseg help                                                        this list
 * </pre>
 * Any other first argument that is not an option ({@code -...}) is refused with this list, rather than
 * starting the service by surprise.
 */
@QuarkusMain
public final class RefsegMain {
    private RefsegMain() {
    }

    public static void main(String... args) {
        if (args.length > 0 && args[0].equals("eval")) {
            System.exit(EvalCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("synth")) {
            System.exit(SynthCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("fixtures")) {
            System.exit(dev.refseg.fixtures.FixturesCli.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                    System.out));
        }
        if (args.length > 0 && args[0].equals("models")) {
            // Every ONNX Runtime error reaches the command as an exception it prints; ORT's own log would repeat it.
            ai.onnxruntime.OrtEnvironment.getEnvironment(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "refseg");
            System.exit(dev.refseg.models.ModelsCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        if (args.length > 0 && args[0].equals("client")) {
            try {
                System.exit(dev.refseg.cli.ClientCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out));
            } catch (Exception e) {
                System.out.println("client failed: " + e);
                System.exit(1);
            }
        }
        if (args.length > 0 && !args[0].startsWith("-")) {
            boolean asked = args[0].equals("help");
            if (!asked) {
                System.out.println("unknown command '" + args[0] + "'");
            }
            System.out.print(USAGE);
            System.exit(asked ? 0 : 2);
        }
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(USAGE);
            System.exit(0);
        }
        Quarkus.run(args);
    }

    static final String USAGE = """
            usage: refseg                      run the gRPC service (role from refseg.role, default embedded)
                   refseg eval --pred P --gt G [--skip-first-last] [--avs]
                   refseg synth --out DIR [--sample | ...]
                   refseg client [--target H:P] (--sample | --mp4 F | --frames D) [--wav W] [--text T | --audio]
                                 [--api-key K | --api-key-file F] [--tls | --ca-cert PEM] [--authority NAME]
                   refseg fixtures --out DIR [--family nvidia|transformers] [--image-size S] [--rename-input KEY:OLD=NEW]
                   refseg models --dir DIR [--runs N] [--providers cuda,cpu] | --print-manifest DIR
                   refseg help
            """;
}
