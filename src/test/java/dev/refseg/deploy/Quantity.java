package dev.refseg.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes resource quantities ("500m", "2", "768Mi", "4Gi") as plain numbers (cores, bytes). */
final class Quantity {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?");
    private static final Map<String, BigDecimal> FACTORS = Map.of(
            "m", new BigDecimal("0.001"),
            "k", BigDecimal.valueOf(1_000L), "M", BigDecimal.valueOf(1_000_000L),
            "G", BigDecimal.valueOf(1_000_000_000L), "T", BigDecimal.valueOf(1_000_000_000_000L),
            "Ki", BigDecimal.valueOf(1L << 10), "Mi", BigDecimal.valueOf(1L << 20),
            "Gi", BigDecimal.valueOf(1L << 30), "Ti", BigDecimal.valueOf(1L << 40));

    private Quantity() {
    }

    static BigDecimal of(Node n) {
        String q = n.required();
        Matcher m = FORM.matcher(q);
        if (!m.matches()) {
            return fail(n.path() + ": " + q + " is not a quantity this test reads");
        }
        BigDecimal v = new BigDecimal(m.group(1));
        return m.group(2) == null ? v : v.multiply(FACTORS.get(m.group(2)));
    }

    static long mebibytes(Node n) {
        return of(n).divide(FACTORS.get("Mi")).longValue();
    }
}
