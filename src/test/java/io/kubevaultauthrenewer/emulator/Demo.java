package io.kubevaultauthrenewer.emulator;

import io.kubevaultauthrenewer.Application;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The README's run command ({@code ./mvnw -q -Pdemo}): with VAULT_ADDR set, the renewer runs against that Vault as
 * configured by the environment. Without it, a Vault emulator starts with a short-lived token and three leases (one
 * with a max TTL it soon reaches), writes a variables file, and the renewer keeps them alive every 5 seconds; a
 * Kubernetes API emulator stands in for the cluster, so that EVICT_BEFORE_EXPIRY (20s) evicts the demo's pod before
 * that lease dies.
 */
public final class Demo {

    private Demo() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (env.get("VAULT_ADDR") != null && !env.get("VAULT_ADDR").isBlank()) {
            System.exit(Application.run(env, args));
        }
        Path demo = Path.of("target", "demo");
        Files.createDirectories(demo);
        try (VaultEmulator vault = VaultEmulator.start();
                KubernetesApiEmulator api =
                        KubernetesApiEmulator.start(TestPki.create(Files.createTempDirectory("demo-pki")))) {
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(20)));
            List<Lease> leases = List.of(
                    vault.createLease(token, "database/creds/app", Duration.ofSeconds(12), Duration.ZERO, true),
                    vault.createLease(token, "aws/creds/deploy", Duration.ofSeconds(15), Duration.ZERO, true),
                    vault.createLease(
                            token, "rabbitmq/creds/app", Duration.ofSeconds(12), Duration.ofSeconds(40), true));
            Path variables = demo.resolve("variables");
            Files.createDirectories(variables.getParent());
            Files.writeString(
                    variables,
                    "export VAULT_TOKEN=\"" + token.id + "\"\n"
                            + "export DB_PASSWORD='demo-secret'\n"
                            + "export LEASE_IDS="
                            + String.join(",", leases.stream().map(l -> l.id).toList()) + "\n");
            env.put("VAULT_ADDR", vault.address());
            env.put("VARIABLES_FILE", variables.toString());
            env.putIfAbsent("RENEW_INTERVAL", "5");
            api.serviceAccount("demo", "demo-app");
            api.addPod("demo", "demo-app-5d8f7c9b4-q7x2m");
            api.writeServiceAccountDirectory(demo.resolve("serviceaccount"));
            env.putIfAbsent("EVICT_BEFORE_EXPIRY", "20s");
            env.put("POD_NAME", "demo-app-5d8f7c9b4-q7x2m");
            env.put("POD_NAMESPACE", "demo");
            env.put("KUBERNETES_SERVICE_HOST", api.host());
            env.put("KUBERNETES_SERVICE_PORT_HTTPS", String.valueOf(api.port()));
            env.put(
                    "RENEWER_SERVICE_ACCOUNT_DIR",
                    demo.resolve("serviceaccount").toString());
            System.out.println("Vault emulator at " + vault.address() + "; variables file " + variables
                    + "; renewing every " + env.get("RENEW_INTERVAL") + " s; Kubernetes API emulator at "
                    + api.address() + " (pod demo/demo-app-5d8f7c9b4-q7x2m). Ctrl-C stops.");
            System.exit(Application.run(env, args));
        }
    }
}
