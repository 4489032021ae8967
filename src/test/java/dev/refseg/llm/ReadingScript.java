package dev.refseg.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.refseg.synth.Colour;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * A scripted "vision LLM" for the fake endpoint that does what the prompts ask, by reading them and the
 * image: the target is the first colour the expression names (its main subject), or every colour it
 * names when it asks for several objects ("the red and the orange discs"). Key frame: the frame of the
 * tile with the most pixels of the target colour. Key box: the box(es) whose detector label is a target
 * colour, else [-1].
 */
public final class ReadingScript {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The referent stands alone on the line between these two (Prompts.asData keeps it to one line). */
    private static final Pattern EXPRESSION = Pattern.compile("\n<expression>\n([^\n]*)\n</expression>\n");
    private static final Pattern FRAMES = Pattern.compile("looking at (\\d+) frames");
    private static final Pattern BOX = Pattern.compile("- box (\\d+): \\w+, labelled \"([^\"]*)\"");

    private ReadingScript() {
    }

    /** The request's parts: the prompt text and the decoded image. */
    public record Request(String model, String prompt, String detail, BufferedImage image) {
        public boolean isKeyBox() {
            return prompt.contains("candidate box");
        }

        public String expression() {
            Matcher m = EXPRESSION.matcher(prompt);
            return m.find() ? m.group(1) : "";
        }

        public int frames() {
            Matcher m = FRAMES.matcher(prompt);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }

        /** Detector label per box number, as the prompt lists them. */
        public List<String> boxLabels() {
            List<String> out = new ArrayList<>();
            Matcher m = BOX.matcher(prompt);
            while (m.find()) {
                out.add(m.group(2));
            }
            return out;
        }
    }

    public static Request parse(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            String prompt = "";
            String detail = "";
            BufferedImage image = null;
            for (JsonNode part : root.path("messages").get(0).path("content")) {
                if (part.path("type").asText().equals("text")) {
                    prompt = part.path("text").asText();
                } else if (part.path("type").asText().equals("image_url")) {
                    String url = part.path("image_url").path("url").asText();
                    detail = part.path("image_url").path("detail").asText();
                    byte[] jpeg = Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1));
                    image = ImageIO.read(new ByteArrayInputStream(jpeg));
                }
            }
            return new Request(root.path("model").asText(), prompt, detail, image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The colours the expression is about. */
    public static List<Colour> targets(String expression) {
        List<Colour> named = new ArrayList<>();
        for (String w : expression.toLowerCase().split("[^a-z]+")) {
            for (Colour c : Colour.values()) {
                if (c.word().equals(w) && !named.contains(c)) {
                    named.add(c);
                }
            }
        }
        boolean several = expression.contains(" and ") || expression.startsWith("the two");
        return several || named.isEmpty() ? named : named.subList(0, 1);
    }

    /** Answers as the prompt asks, with some reasoning first. */
    public static String answer(String body) {
        Request r = parse(body);
        List<Colour> targets = targets(r.expression());
        if (r.isKeyBox()) {
            List<String> labels = r.boxLabels();
            List<String> chosen = new ArrayList<>();
            for (int i = 0; i < labels.size(); i++) {
                for (Colour c : targets) {
                    if (labels.get(i).contains(c.word())) {
                        chosen.add(String.valueOf(i + 1));
                    }
                }
            }
            return "**Step 1.** I see " + labels.size() + " boxes.\nThe subject is " + targets + ".\n**Answer:** ["
                    + (chosen.isEmpty() ? "-1" : String.join(", ", chosen)) + "]";
        }
        int n = Math.max(1, r.frames());
        int best = 1;
        long bestCount = -1;
        int h = r.image().getHeight() / n;
        for (int k = 0; k < n; k++) {
            long count = 0;
            for (int y = k * h; y < (k + 1) * h; y += 2) {
                for (int x = 0; x < r.image().getWidth(); x += 2) {
                    int rgb = r.image().getRGB(x, y);
                    for (Colour c : targets) {
                        int dr = ((rgb >> 16) & 255) - c.r();
                        int dg = ((rgb >> 8) & 255) - c.g();
                        int db = (rgb & 255) - c.b();
                        if (dr * dr + dg * dg + db * db < 40 * 40) {
                            count++;
                        }
                    }
                }
            }
            if (count > bestCount) {
                bestCount = count;
                best = k + 1;
            }
        }
        return "The frames show moving shapes. Frame " + best + " shows the " + targets + " object best.\n["
                + best + "]";
    }
}
