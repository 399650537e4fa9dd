package io.kubevaultauthrenewer.routes;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every route test starts from: a fresh Vault emulator on a clock the test can move, and a variables file written
 * as the init container writes it.
 */
abstract class RouteTestSupport {

    @TempDir
    Path dir;

    final ShiftableClock clock = new ShiftableClock();
    VaultEmulator vault;
    Path variables;

    @BeforeEach
    void startVault() {
        vault = VaultEmulator.start(clock);
        variables = dir.resolve("variables");
    }

    @AfterEach
    void stopVault() {
        vault.close();
    }

    /** The environment of a renewer pointed at the emulator and the variables file; quick retries 200 ms apart. */
    Map<String, String> env(int intervalSeconds, boolean runOnce, String... more) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("VAULT_ADDR", vault.address());
        env.put("VARIABLES_FILE", variables.toString());
        env.put("RENEW_INTERVAL", String.valueOf(intervalSeconds));
        env.put("RUN_ONCE", String.valueOf(runOnce));
        env.put("RENEWER_RETRY_DELAY", "200ms");
        env.put("CAMEL_MANAGEMENT_PORT", "0");
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    /** Writes the variables file whole, at once (as a rename). */
    void writeVariables(Token token, Lease... leases) throws IOException {
        String ids = String.join(",", Arrays.stream(leases).map(l -> l.id).toList());
        Path next = dir.resolve("variables.next");
        Files.writeString(next, "export VAULT_TOKEN='" + token.id + "'\nexport LEASE_IDS='" + ids + "'\n");
        Files.move(next, variables, StandardCopyOption.ATOMIC_MOVE);
    }
}
