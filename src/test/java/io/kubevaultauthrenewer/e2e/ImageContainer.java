package io.kubevaultauthrenewer.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The renewer's container image run by podman as the manifests run it (manifests/base/deployment.yaml): user 10001, a
 * read-only root filesystem with a tmpfs /tmp, every capability dropped, no privilege escalation, a 128 MiB memory
 * limit; on the host's network, so that it reaches an emulator on the host's loopback.
 */
final class ImageContainer extends ProcessOutput {

    /** The image image/build-local.sh builds. */
    static final String IMAGE = "localhost/kube-vault-auth-renewer:local";

    private final String name;

    private ImageContainer(String name, Process podman) {
        super(podman, "container-output");
        this.name = name;
    }

    /** Runs the image with this environment, these volumes ({@code host:container[:ro]}) and arguments. */
    static ImageContainer run(Map<String, String> environment, List<String> volumes, String... arguments) {
        String name = "renewer-it-" + UUID.randomUUID();
        List<String> command = new ArrayList<>(List.of("podman", "run", "--rm", "--name", name, "--network", "host"));
        command.addAll(List.of("--user", "10001:10001", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL"));
        command.addAll(List.of("--security-opt", "no-new-privileges", "--memory", "128m"));
        ProcessBuilder builder = new ProcessBuilder().redirectErrorStream(true);
        for (Map.Entry<String, String> variable : environment.entrySet()) {
            // by name only: podman takes the value from its own environment, so no token shows on a command line
            command.addAll(List.of("--env", variable.getKey()));
            builder.environment().put(variable.getKey(), variable.getValue());
        }
        for (String volume : volumes) {
            command.addAll(List.of("--volume", volume));
        }
        command.add(IMAGE);
        command.addAll(List.of(arguments));
        try {
            return new ImageContainer(name, builder.command(command).start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
    }

    /** What {@code podman exec} of this command in the running container printed; fails unless it exits 0. */
    String exec(String... command) {
        List<String> exec = new ArrayList<>(List.of("podman", "exec", name));
        exec.addAll(List.of(command));
        return podman(exec, Duration.ofSeconds(30));
    }

    /** The {@code podman} command's output; fails unless it exits 0 within the timeout. */
    private static String podman(List<String> command, Duration timeout) {
        try {
            Process podman = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.PIPE)
                    .start();
            podman.getOutputStream().close();
            byte[] out = podman.getInputStream().readAllBytes();
            if (!podman.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                podman.destroyForcibly();
                throw new AssertionError(command + " did not end within " + timeout);
            }
            String output = new String(out, StandardCharsets.UTF_8);
            if (podman.exitValue() != 0) {
                throw new AssertionError(command + " exited " + podman.exitValue() + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A volume of a host directory: {@code host:container[:options]}. */
    static String volume(Path host, String container, String options) {
        return host.toAbsolutePath() + ":" + container + (options.isEmpty() ? "" : ":" + options);
    }

    /** {@code podman stop}: SIGTERM, as the kubelet sends it (SIGKILL only after 30 s, its grace period). */
    @Override
    public int stop(Duration timeout) {
        podman(List.of("podman", "stop", "--time", "30", name), timeout);
        return awaitExit(timeout);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                new ProcessBuilder("podman", "rm", "--force", "--time", "0", name)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor(30, TimeUnit.SECONDS);
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroy();
        }
    }
}
