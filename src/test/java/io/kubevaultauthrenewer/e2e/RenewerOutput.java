package io.kubevaultauthrenewer.e2e;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a running renewer printed, line by line as the text log format prints them ({@code 2026-12-01T10:00:00.000Z
 * INFO RenewalCycle - …}), and the waits on it: one API for a renewer in a process of its own ({@link RenewerProcess})
 * and one in the test's JVM (the route tests'), so that a test reads the same either way.
 */
public abstract class RenewerOutput implements AutoCloseable {

    // not copy-on-write: at TRACE level the renewer prints tens of thousands of lines
    private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Adds a line the renewer printed. */
    protected void printed(String line) {
        lines.add(line);
    }

    /** Everything printed so far. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    public String output() {
        return String.join("\n", lines());
    }

    /** Lines that contain {@code text}. */
    public List<String> linesWith(String text) {
        return lines().stream().filter(l -> l.contains(text)).toList();
    }

    /** Lines in which {@code regex} is found. */
    public List<String> linesMatching(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return lines().stream().filter(l -> pattern.matcher(l).find()).toList();
    }

    /** Waits until the condition holds; on time-out the error shows the renewer's first and last lines. */
    public void awaitUntil(java.util.concurrent.Callable<Boolean> condition, Duration timeout) {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            List<String> all = lines();
            String head = String.join("\n", all.subList(0, Math.min(40, all.size())));
            String tail =
                    String.join("\n", all.subList(Math.max(Math.min(40, all.size()), all.size() - 60), all.size()));
            throw new AssertionError(
                    e.getMessage() + "\nfirst lines of the renewer:\n" + head + "\nlast lines:\n" + tail, e);
        }
    }

    /** Waits until a line matches the pattern; returns that line. */
    public String awaitLine(String regex, Duration timeout) {
        awaitUntil(() -> !linesMatching(regex).isEmpty(), timeout);
        return linesMatching(regex).get(0);
    }

    /**
     * Where the log stands now: the number of lines printed so far, for {@link #awaitLineAfter} (a line printed after
     * a fault, not one an earlier line already matches).
     */
    public int mark() {
        return lines.size();
    }

    /** Lines printed after {@code mark} in which {@code regex} is found. */
    public List<String> linesMatchingAfter(int mark, String regex) {
        Pattern pattern = Pattern.compile(regex);
        List<String> all = lines();
        return all.subList(Math.min(mark, all.size()), all.size()).stream()
                .filter(l -> pattern.matcher(l).find())
                .toList();
    }

    /** Waits until a line printed after {@code mark} matches the pattern; returns the first such line. */
    public String awaitLineAfter(int mark, String regex, Duration timeout) {
        awaitUntil(() -> !linesMatchingAfter(mark, regex).isEmpty(), timeout);
        return linesMatchingAfter(mark, regex).get(0);
    }

    /** Waits until {@code count} lines match. */
    public void awaitLines(String regex, int count, Duration timeout) {
        awaitUntil(() -> linesMatching(regex).size() >= count, timeout);
    }

    /** Waits for the renewer to end on its own; returns its exit status. */
    public abstract int awaitExit(Duration timeout);

    /** True while it runs. */
    public abstract boolean isAlive();

    /** Stops it as Kubernetes does (SIGTERM), and waits for the exit; returns the status. */
    public abstract int stop(Duration timeout);

    @Override
    public abstract void close();
}
