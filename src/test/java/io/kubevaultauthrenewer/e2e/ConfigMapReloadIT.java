package io.kubevaultauthrenewer.e2e;

import static io.kubevaultauthrenewer.e2e.Management.get;
import static io.kubevaultauthrenewer.e2e.Management.managementPort;
import static io.kubevaultauthrenewer.e2e.Management.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.e2e.Management.Answer;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ROUTES_DIR as a pod mounts it: a ConfigMap volume, which the kubelet updates by writing a new timestamped directory
 * and swapping the {@code ..data} link, so that no visible file ever changes. With ROUTES_RELOAD, each update reloads
 * exactly the keys it changed, adds and removes keys, and a broken one leaves the running routes as they were. One
 * renewer goes through every step. (A file edited in place in a plain directory: OperationsIT.)
 */
class ConfigMapReloadIT extends AgainstTheEmulator {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final String FAILURE = "renewal-failure.camel.yaml";
    private static final String PROBE = "configmap-probe.camel.yaml";
    private static final String BROKEN = "- route:\n    id: renewal-failure\n    from: [this is not a route\n";
    private static final String RELOADED = "INFO RouteFiles - Reloaded route file\\(s\\) ";

    /** A route of its own, as a new key adds it: a line every 200 ms. */
    private static final String PROBE_ROUTE = """
            - route:
                id: configmap-probe
                from:
                  uri: timer:configmap-probe
                  parameters:
                    period: 200
                  steps:
                    - log:
                        message: "Probe from the ConfigMap"
            """;

    @Test
    void reloadsWhatEachKubeletUpdateOfTheConfigMapVolumeChanged() throws IOException {
        ConfigMapVolume volume =
                ConfigMapVolume.mount(dir.resolve("routes"), Map.of(FAILURE, failureRoute("Mounted:")));
        Path visible = volume.dir().resolve(FAILURE);
        // every cycle (1 s) fails on the lease: the dead letter's text shows which route file runs
        Token token = tokenRefusedLeaseLookups(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);
        Map<String, String> env = new HashMap<>(renewerEnv(1, false));
        env.put("ROUTES_DIR", volume.dir().toString());
        env.put("ROUTES_RELOAD", "true");

        try (RenewerProcess renewer = RenewerProcess.start(env)) {
            int port = managementPort(renewer);
            renewer.awaitLine("Mounted: Lease " + lease.id, LONG);
            Path link = Files.readSymbolicLink(visible);

            // an edit of the key: the visible file stays the same link, to the same path
            volume.update(Map.of(FAILURE, failureRoute("Edited:")));
            renewer.awaitLine(RELOADED + ".*" + FAILURE, LONG);
            renewer.awaitLine("Edited: Lease " + lease.id, LONG);
            assertThat(Files.readSymbolicLink(visible)).isEqualTo(link);
            assertThat(renewer.linesWith("Reloaded route file"))
                    .singleElement()
                    .asString()
                    .endsWith(FAILURE);

            // a broken edit: one ERROR line, readiness DOWN, the running dead letter unchanged
            volume.update(Map.of(FAILURE, BROKEN));
            renewer.awaitLine("ERROR RouteFiles - Route file\\(s\\) .*" + FAILURE + " could not be loaded", LONG);
            renewer.awaitUntil(() -> "DOWN".equals(status(get(port, "/observe/health/ready"), "renewer-routes")), LONG);
            Answer ready = get(port, "/observe/health/ready");
            assertThat(ready.check("renewer-routes")
                            .get("data")
                            .get("reload_error")
                            .asText())
                    .contains(FAILURE);
            int edited = renewer.linesWith("Edited: Lease " + lease.id).size();
            renewer.awaitLines("Edited: Lease " + lease.id, edited + 1, LONG);
            assertThat(renewer.linesWith("could not be loaded")).hasSize(1);

            // the fix: loads, and readiness is UP again
            volume.update(Map.of(FAILURE, failureRoute("Fixed:")));
            renewer.awaitLine("Fixed: Lease " + lease.id, LONG);
            renewer.awaitUntil(() -> "UP".equals(status(get(port, "/observe/health/ready"), "renewer-routes")), LONG);

            // a key added: its routes start; the unchanged key is not reloaded
            int reloads = renewer.linesWith("Reloaded route file").size();
            volume.update(Map.of(FAILURE, failureRoute("Fixed:"), PROBE, PROBE_ROUTE));
            renewer.awaitLine(RELOADED + ".*" + PROBE, LONG);
            renewer.awaitLine("Probe from the ConfigMap", LONG);
            assertThat(renewer.linesWith("Reloaded route file")).hasSize(reloads + 1);
            assertThat(renewer.linesWith("Reloaded route file").get(reloads)).doesNotContain(FAILURE);

            // a key removed: its routes stop and go, and readiness does not miss them
            volume.update(Map.of(FAILURE, failureRoute("Fixed:")));
            renewer.awaitLine("INFO RouteFiles - Removed route file .*" + PROBE + ".*configmap-probe", LONG);
            int probes = renewer.linesWith("Probe from the ConfigMap").size();
            int cycles = renewer.linesWith("Cycle done").size();
            renewer.awaitLines("Cycle done", cycles + 2, LONG);
            assertThat(renewer.linesWith("Probe from the ConfigMap")).hasSize(probes);
            assertThat(status(get(port, "/observe/health/ready"), "renewer-routes"))
                    .isEqualTo("UP");
            int fixed = renewer.linesWith("Fixed: Lease " + lease.id).size();
            renewer.awaitLines("Fixed: Lease " + lease.id, fixed + 1, LONG);

            // the last key removed: the built-in file of that name runs again, as after a restart
            volume.update(Map.of());
            renewer.awaitLine("INFO RouteFiles - Removed route file .*" + FAILURE, LONG);
            renewer.awaitLine("Lease " + lease.id + ": vault-lease-lookup failed", LONG);
            assertThat(status(get(port, "/observe/health/ready"), "renewer-routes"))
                    .isEqualTo("UP");
            assertThat(renewer.isAlive()).isTrue();
        }
    }
}
