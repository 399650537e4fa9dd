package io.kubevaultauthrenewer.renewal;

/**
 * How a run ends by itself: the exit status, and the hook that stops the application. With RUN_ONCE: 0 when the
 * token and every lease were renewed or not yet due, 1 otherwise; and 1 when Vault rejects a token it never accepted.
 */
public final class Exit {

    public static final int FINE = 0;
    public static final int NOT_FINE = 1;

    private final Runnable stop;
    private volatile int exitCode = FINE;

    public Exit(Runnable stop) {
        this.stop = stop;
    }

    public void complete(boolean fine) {
        exitCode = fine ? FINE : NOT_FINE;
        stop.run();
    }

    public int exitCode() {
        return exitCode;
    }
}
