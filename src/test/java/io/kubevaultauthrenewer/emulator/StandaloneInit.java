package io.kubevaultauthrenewer.emulator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The Vault emulator set up for the init mode, for bench/: {@code StandaloneInit <service account dir>} enables
 * Kubernetes auth (role {@code my-app}, bound to {@code apps/my-app}) and a periodic AppRole {@code my-app}, a KV
 * version 2 secret and a database role, writes the service account's token into the directory, prints
 * {@code VAULT_ADDR=<address>} and runs until killed.
 */
public final class StandaloneInit {

    private StandaloneInit() {}

    public static void main(String[] args) throws Exception {
        Path serviceAccount = Files.createDirectories(Path.of(args[0]));
        VaultEmulator vault = VaultEmulator.start();
        vault.policy("my-app-login", "auth/approle/role/my-app/role-id", "read");
        vault.policy("my-app-login", "auth/approle/role/my-app/secret-id", "update");
        vault.policy("my-app", "secret/data/my-app/*", "read");
        vault.policy("my-app", "database/creds/my-app", "read");
        vault.enableKubernetesAuth("kubernetes");
        vault.kubernetesRole("kubernetes", "my-app", "my-app", "apps", Duration.ofMinutes(5), "my-app-login");
        vault.appRole("my-app", Duration.ZERO, Duration.ofHours(24), "my-app");
        vault.enableKv("secret", 2);
        vault.putSecret("secret/my-app/api", Map.of("key", "bench-api-key", "url", "https://api.example.com"));
        vault.enableDatabase("database", "my-app", Duration.ofHours(1), Duration.ofHours(24));
        Files.writeString(serviceAccount.resolve("token"), vault.serviceAccountJwt("apps", "my-app"));
        System.out.println("VAULT_ADDR=" + vault.address());
        System.out.flush();
        Thread.currentThread().join();
    }
}
