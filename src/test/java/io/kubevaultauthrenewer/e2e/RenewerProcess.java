package io.kubevaultauthrenewer.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The renewer as the image runs it: {@code bin/kube-vault-auth-renewer}, which runs
 * {@code java -jar target/kube-vault-auth-renewer.jar} with the image's JVM flags, in its own process, with only the
 * environment a test gives it, its output collected line by line.
 */
public final class RenewerProcess extends ProcessOutput {

    static final Path JAR = Path.of("target", "kube-vault-auth-renewer.jar");
    static final Path SCRIPT = Path.of("bin", "kube-vault-auth-renewer");

    private RenewerProcess(Process process) {
        super(process, "renewer-output");
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

    /** Sends SIGTERM, as Kubernetes does, and waits for the exit; returns the status. */
    @Override
    public int stop(Duration timeout) {
        // through the handle: Process.destroy() would also close the pipe and lose the last lines
        process.toHandle().destroy();
        return awaitExit(timeout);
    }

    @Override
    public void close() {
        ProcessOutput.destroy(process);
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
