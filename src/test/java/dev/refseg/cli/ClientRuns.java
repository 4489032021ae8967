package dev.refseg.cli;

import dev.refseg.api.TestPorts;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Runs {@link ClientCli} as {@code refseg client} would, against the test server, and keeps what it printed. */
final class ClientRuns {
    /** How many frames {@link #frames} writes, and so how many a served run's summary counts. */
    static final int FRAMES = 2;

    private ClientRuns() {
    }

    /** A finished run: the exit code and the lines printed. */
    record Run(int code, List<String> lines) {
        /** The final {@code status ...} line. */
        String status() {
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }

        boolean hasSummary() {
            return lines.stream().anyMatch(l -> l.startsWith("summary ") && l.contains("frames_in: " + FRAMES));
        }

        @Override
        public String toString() {
            return "exit " + code + ":\n" + String.join("\n", lines);
        }
    }

    /**
     * Streams {@code frames} (from {@link #frames}) to {@code host} at the test server's gRPC port with the
     * extra options, the environment being {@code env}.
     */
    static Run run(Map<String, String> env, String host, Path frames, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--target", host + ":" + TestPorts.grpc(), "--text", "the red disc",
                "--frames", frames.toString()));
        args.addAll(List.of(options));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = ClientCli.run(args.toArray(String[]::new), out, env);
        }
        return new Run(code, bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    /** Writes {@link #FRAMES} small PNG frames (a red disc on white) into {@code dir}; returns it. */
    static Path frames(Path dir) throws IOException {
        for (int i = 0; i < FRAMES; i++) {
            BufferedImage image = new BufferedImage(80, 60, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 80, 60);
            g.setColor(Color.RED);
            g.fillOval(20 + 4 * i, 15, 24, 24);
            g.dispose();
            ImageIO.write(image, "png", dir.resolve(String.format("%05d.png", i)).toFile());
        }
        return dir;
    }
}
