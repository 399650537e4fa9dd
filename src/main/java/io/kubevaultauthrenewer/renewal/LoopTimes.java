package io.kubevaultauthrenewer.renewal;

import java.time.Instant;

/**
 * When the loop ran: the start, each cycle's and early check's beginning and end, the next cycle, how many ran, and
 * the last summary line. Not thread-safe: the {@link RenewerStatus} holds it under its lock.
 */
final class LoopTimes {

    private final Instant started;
    private Instant runStarted;
    private Instant lastStarted;
    private Instant lastCompleted;
    private Instant next;
    private long completed;
    private long earlyChecks;
    private boolean running;
    private Instant lastProgress;
    private String lastSummary;

    LoopTimes(Instant started) {
        this.started = started;
    }

    /** A cycle or (with {@code early}) an early check began at {@code now}. */
    void runStarted(Instant now, boolean early) {
        runStarted = now;
        lastProgress = now;
        running = true;
        if (!early) {
            lastStarted = now;
        }
    }

    /** A cycle or (with {@code early}) an early check ended at {@code now}; {@code nextCycle} is null with RUN_ONCE. */
    void runFinished(Instant now, boolean early, Instant nextCycle, String summary) {
        lastSummary = summary;
        lastProgress = now;
        running = false;
        if (early) {
            earlyChecks++;
        } else {
            lastCompleted = now;
            next = nextCycle;
            completed++;
        }
    }

    void progressed(Instant now) {
        lastProgress = now;
    }

    /** When the current (or last) run began; null before the first. */
    Instant runStarted() {
        return runStarted;
    }

    RenewerStatus.Cycles cycles() {
        return new RenewerStatus.Cycles(started, lastStarted, lastCompleted, next, completed, running);
    }

    long earlyChecks() {
        return earlyChecks;
    }

    String lastSummary() {
        return lastSummary;
    }

    Instant lastProgress() {
        return lastProgress == null ? started : lastProgress;
    }
}
