package io.kubevaultauthrenewer.emulator;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Vault emulator on its own, for bench/: {@code Standalone <variables file> <leases> <ttl seconds>} starts it with
 * a token and that many leases of that TTL, writes the variables file as an init container would, prints
 * {@code VAULT_ADDR=<address>} and runs until killed.
 */
public final class Standalone {

    private Standalone() {}

    public static void main(String[] args) throws Exception {
        Path variables = Path.of(args[0]);
        int leases = Integer.parseInt(args[1]);
        Duration ttl = Duration.ofSeconds(Long.parseLong(args[2]));
        VaultEmulator vault = VaultEmulator.start();
        Token token = vault.createToken(TokenSpec.ttl(ttl));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < leases; i++) {
            ids.add(vault.createLease(token, "database/creds/app", ttl, Duration.ZERO, true).id);
        }
        Files.writeString(
                variables, "export VAULT_TOKEN=\"" + token.id + "\"\nexport LEASE_IDS=" + String.join(",", ids) + "\n");
        System.out.println("VAULT_ADDR=" + vault.address());
        System.out.flush();
        Thread.currentThread().join();
    }
}
