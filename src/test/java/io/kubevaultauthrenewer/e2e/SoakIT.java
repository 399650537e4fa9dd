package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A minute of bench/soak.sh: one renewer as the image runs it, 200 leases on short TTLs, and a fault of each kind at a
 * seeded moment (Vault sealed, 5xx and 429 storms, dropped connections, a slow answer, the variables file rewritten,
 * the route file reloaded, renewNow() over JMX). No lease that Vault could have kept is lost, the faults reached the
 * renewer, and the figures are printed. The archive is not recorded here (ARCHIVE=0): it changes the memory figures,
 * which this test does not judge, and costs a training run; the 30-minute soak records it.
 */
class SoakIT {

    private static final Pattern ANSWERED = Pattern.compile("^  ([a-z0-9-]+) +(\\d+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void aMinuteOfFaultsLosesNoLeaseVaultCouldKeepAndPrintsTheFigures() throws Exception {
        Path output = dir.resolve("soak.out");
        ProcessBuilder soak = new ProcessBuilder("/bin/sh", "bench/soak.sh")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        soak.environment().put("DURATION", "60");
        soak.environment().put("SEED", "42");
        soak.environment().put("ARCHIVE", "0");
        soak.environment().put("JAVA", ProcessHandle.current().info().command().orElse("java"));
        // the emulator's classpath as Failsafe gives it to this JVM: no second Maven run beside this one
        soak.environment()
                .put(
                        "EMULATOR_CLASSPATH",
                        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        Process process = soak.start();
        try {
            assertThat(process.waitFor(4, TimeUnit.MINUTES)).as("the soak ends").isTrue();
        } finally {
            process.destroy();
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(process.exitValue()).as(out).isZero();
        assertThat(out)
                .containsPattern("(?m)^verdict: PASS: 0 lost that Vault could have kept \\(\\d+ lost at their"
                        + " max TTL, as expected; \\d+ kept; seed 42\\)$");
        assertThat(out).contains("lost, defects:   0 (");
        // Vault answered with faults of more than one kind (a 5xx storm or a seal that falls between two cycles meets
        // no
        // call), the route file was reloaded and renewNow() answered
        String answered = section(out, "faults as Vault answered them");
        List<String> kinds = ANSWERED.matcher(answered)
                .results()
                .filter(m -> Integer.parseInt(m.group(2)) > 0)
                .map(m -> m.group(1))
                .toList();
        assertThat(kinds).as(answered).hasSizeGreaterThanOrEqualTo(2);
        Matcher others = Pattern.compile(
                        "route files reloaded \\(renewer's log\\): (\\d+); renewNow\\(\\) answered: (\\d+)")
                .matcher(answered);
        assertThat(others.find()).as(answered).isTrue();
        assertThat(Integer.parseInt(others.group(1))).as("route files reloaded").isPositive();
        assertThat(Integer.parseInt(others.group(2))).as("renewNow() answered").isPositive();
        // the figures
        assertThat(out)
                .containsPattern("(?m)^  kept: +\\d+ of the \\d+ in the variables file at the end$")
                .containsPattern(
                        "(?m)^  per lease per cycle: \\d+\\.\\d\\d \\(lookups \\d+\\.\\d\\d, renewals \\d+\\.\\d\\d\\)")
                .containsPattern(
                        "(?m)^ +\\d+-\\d+ +\\d+\\.\\d-\\d+\\.\\d +\\d+-\\d+ MiB \\(\\d+ GCs\\) +\\d+-\\d+ +\\d+-\\d+ +\\d+$")
                .containsPattern("(?m)^  log lines in all: \\d+ in \\d+ s");
    }

    /** The lines after the one that starts with {@code heading}, up to the next blank line. */
    private static String section(String out, String heading) {
        List<String> lines = Arrays.asList(out.split("\n"));
        int start = lines.indexOf(lines.stream()
                .filter(l -> l.startsWith(heading))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no '" + heading + "' in:\n" + out)));
        StringBuilder section = new StringBuilder();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.isBlank()) {
                break;
            }
            section.append(line).append('\n');
        }
        return section.toString();
    }
}
