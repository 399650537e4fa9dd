package io.kubevaultauthrenewer.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The renewer as the image runs it: {@code bin/kube-vault-auth-renewer}, which runs
 * {@code java -jar target/kube-vault-auth-renewer.jar} with the image's JVM flags, in its own process, with only the
 * environment a test gives it, its output collected line by line.
 */
public final class RenewerProcess extends RenewerOutput {

    static final Path JAR = Path.of("target", "kube-vault-auth-renewer.jar");
    static final Path SCRIPT = Path.of("bin", "kube-vault-auth-renewer");

    private final Process process;
    private final Thread reader;

    private RenewerProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "renewer-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the renewer as the container image does, through {@code bin/kube-vault-auth-renewer} (the jar with the
     * image's JVM flags), with exactly this environment (nothing inherited) and these extra JVM options.
     */
    public static RenewerProcess start(Map<String, String> environment, String... jvmOptions) {
        return run(environment, List.of(), jvmOptions);
    }

    /** The same with these arguments to the image's entrypoint ({@code init}, {@code --help}, …). */
    public static RenewerProcess run(Map<String, String> environment, List<String> arguments, String... jvmOptions) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the tests with ./mvnw verify");
        }
        List<String> command = new ArrayList<>(List.of("/bin/sh", SCRIPT.toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.environment()
                .put("JAVA", ProcessHandle.current().info().command().orElse("java"));
        builder.environment().put("RENEWER_JAR", JAR.toString());
        builder.environment().put("JAVA_OPTS", String.join(" ", jvmOptions));
        try {
            return new RenewerProcess(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
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

    /** Sends SIGTERM, as Kubernetes does, and waits for the exit; returns the status. */
    @Override
    public int stop(Duration timeout) {
        // through the handle: Process.destroy() would also close the pipe and lose the last lines
        process.toHandle().destroy();
        return awaitExit(timeout);
    }

    @Override
    public void close() {
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

    /** An environment map builder, so tests read as the variables they set. */
    public static Map<String, String> env(String... pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }
}
