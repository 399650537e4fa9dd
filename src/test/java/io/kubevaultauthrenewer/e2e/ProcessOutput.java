package io.kubevaultauthrenewer.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A renewer in a process of its own, its output (stdout and stderr merged) collected line by line: the renewer's own
 * JVM ({@link RenewerProcess}) or the podman that runs its image ({@link ImageContainer}).
 */
abstract class ProcessOutput extends RenewerOutput {

    protected final Process process;
    private final Thread reader;

    protected ProcessOutput(Process process, String readerName) {
        this.process = process;
        this.reader = new Thread(this::read, readerName);
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                printed(line);
            }
        } catch (IOException e) {
            printed("<output closed: " + e + ">");
        }
    }

    /** Waits for the process to end on its own; returns its exit status. */
    @Override
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the renewer did not exit within " + timeout + "; output:\n" + output());
            }
            reader.join(5_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Ends a process: SIGTERM, then SIGKILL if it is still there 10 s later. */
    static void destroy(Process process) {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
