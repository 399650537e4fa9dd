package io.kubevaultauthrenewer.renewal;

/**
 * RUN_ONCE's end: the exit status of the one cycle, and the hook that stops the application after it.
 * Exit 0 when the token and every lease were renewed or not yet due, 1 otherwise.
 */
public final class RunOnce {

    public static final int FINE = 0;
    public static final int NOT_FINE = 1;

    private final Runnable stop;
    private volatile int exitCode = FINE;

    public RunOnce(Runnable stop) {
        this.stop = stop;
    }

    void complete(boolean fine) {
        exitCode = fine ? FINE : NOT_FINE;
        stop.run();
    }

    public int exitCode() {
        return exitCode;
    }
}
