/*
 * GenGolden.java: writes tests/data/hist/java_written.hlog with the real HdrHistogram (Java) and
 * the facts a unit test checks our decoder against (java_expected.txt).
 *
 * Run once from this directory (output is committed, deterministic apart from nothing):
 *   javac -cp /usr/share/java/hdrhistogram.jar -d /tmp GenGolden.java
 *   java -cp /usr/share/java/hdrhistogram.jar:/tmp GenGolden
 *
 * Three intervals of pseudo-random latencies (a fixed 64-bit LCG, so no JDK RNG is involved),
 * recorded in ns into Histogram(1, 3.6e12, 3); the third carries a tag. Expected lines:
 *   interval <i> tag <tag|-> total <n> min <v> max <v> mean <x> p50 <v> p90 <v> p99 <v> p999 <v> p100 <v>
 */
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

public class GenGolden {
    private static long state = 0x2545F4914F6CDD1DL;

    private static long next() {
        state = state * 6364136223846793005L + 1442695040888963407L;
        return state >>> 11;
    }

    public static void main(String[] args) throws Exception {
        final long startMs = 1700000000123L;
        PrintStream log = new PrintStream(new FileOutputStream("java_written.hlog"), false, "US-ASCII");
        PrintStream exp = new PrintStream(new FileOutputStream("java_expected.txt"), false, "US-ASCII");
        HistogramLogWriter w = new HistogramLogWriter(log);
        w.outputComment("written by GenGolden.java with HdrHistogram 2.1.11");
        w.outputLogFormatVersion();
        w.outputStartTime(startMs);
        w.setBaseTime(startMs);
        w.outputBaseTime(startMs);
        w.outputLegend();
        for (int i = 0; i < 3; i++) {
            Histogram h = new Histogram(1, 3600L * 1000 * 1000 * 1000, 3);
            int n = 20000 * (i + 1);
            for (int k = 0; k < n; k++) {
                long r = next();
                /* mostly 50 us..5 ms, a tail up to ~2 s, a few exact small values */
                long v;
                if (k % 100 == 0)
                    v = 1000000L + (r % 2000000000L);
                else if (k % 37 == 0)
                    v = k % 5;
                else
                    v = 50000L + (r % 4950000L);
                h.recordValue(v);
            }
            h.setStartTimeStamp(startMs + 1000L * i);
            h.setEndTimeStamp(startMs + 1000L * (i + 1));
            String tag = i == 2 ? "slow" : null;
            if (tag != null)
                h.setTag(tag);
            w.outputIntervalHistogram(h);
            exp.printf(Locale.US,
                    "interval %d tag %s total %d min %d max %d mean %.6f p50 %d p90 %d p99 %d p999 %d p100 %d%n",
                    i, tag == null ? "-" : tag, h.getTotalCount(), h.getMinValue(), h.getMaxValue(),
                    h.getMean(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                    h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getValueAtPercentile(100));
        }
        log.close();
        exp.close();
    }
}
