package dev.refseg.synth;

/** Well-separated object colours with the words referents use for them. */
public enum Colour {
    RED("red", 220, 40, 40),
    GREEN("green", 40, 190, 60),
    BLUE("blue", 40, 70, 220),
    YELLOW("yellow", 235, 215, 40),
    MAGENTA("magenta", 210, 50, 200),
    CYAN("cyan", 40, 200, 210),
    ORANGE("orange", 240, 140, 30),
    WHITE("white", 245, 245, 245);

    private final String word;
    private final int r;
    private final int g;
    private final int b;

    Colour(String word, int r, int g, int b) {
        this.word = word;
        this.r = r;
        this.g = g;
        this.b = b;
    }

    public String word() {
        return word;
    }

    public int r() {
        return r;
    }

    public int g() {
        return g;
    }

    public int b() {
        return b;
    }
}
