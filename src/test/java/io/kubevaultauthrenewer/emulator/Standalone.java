package io.kubevaultauthrenewer.emulator;

import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The Vault emulator on its own, for bench/: {@code Standalone <variables file> <leases> <ttl seconds> [options]}
 * starts it with a token and that many leases of that TTL, writes the variables file as an init container would, prints
 * {@code VAULT_ADDR=<address>} and runs until killed. The options, for a soak ({@code bench/soak.sh}):
 *
 * <pre>
 * --ttl MIN-MAX          each lease's TTL drawn from MIN..MAX seconds instead
 * --token-ttl S          the token's TTL (else the leases' TTL, or MAX)
 * --capped N:MIN-MAX     N of the leases (the first N) get a max TTL drawn from MIN..MAX seconds
 * --seed N               the seed of those draws (else 1)
 * --control              a control port on loopback ({@link VaultControl}), printed as CONTROL_ADDR=&lt;address&gt;
 * </pre>
 *
 * (A hand-written loop over five options: the test classpath has no command-line parser, and this is bench tooling.)
 */
public final class Standalone {

    private Standalone() {}

    public static void main(String[] args) throws Exception {
        Path variables = Path.of(args[0]);
        int leases = Integer.parseInt(args[1]);
        long[] ttl = {Long.parseLong(args[2]), Long.parseLong(args[2])};
        long tokenTtl = -1;
        int capped = 0;
        long[] maxTtl = {0, 0};
        long seed = 1;
        boolean control = false;
        for (int i = 3; i < args.length; i++) {
            switch (args[i]) {
                case "--ttl" -> ttl = range("--ttl", args[++i]);
                case "--token-ttl" -> tokenTtl = Long.parseLong(args[++i]);
                case "--capped" -> {
                    String[] countAndRange = args[++i].split(":", 2);
                    capped = Integer.parseInt(countAndRange[0]);
                    maxTtl = range("--capped", countAndRange[1]);
                }
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--control" -> control = true;
                default -> throw new IllegalArgumentException("Standalone: unknown option " + args[i]);
            }
        }
        Random random = new Random(seed);
        VaultEmulator vault = VaultEmulator.start();
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(tokenTtl > 0 ? tokenTtl : ttl[1])));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < leases; i++) {
            Duration max = i < capped ? Duration.ofSeconds(draw(random, maxTtl)) : Duration.ZERO;
            ids.add(vault.createLease(token, "database/creds/app", Duration.ofSeconds(draw(random, ttl)), max, true)
                    .id);
        }
        Files.writeString(
                variables, "export VAULT_TOKEN=\"" + token.id + "\"\nexport LEASE_IDS=" + String.join(",", ids) + "\n");
        System.out.println("VAULT_ADDR=" + vault.address());
        if (control) {
            System.out.println(
                    "CONTROL_ADDR=" + VaultControl.start(vault, token).address());
        }
        System.out.flush();
        Thread.currentThread().join();
    }

    /** {@code MIN-MAX} in seconds. */
    private static long[] range(String option, String value) {
        String[] parts = value.split("-", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("Standalone: " + option + " " + value + ": expected MIN-MAX seconds");
        }
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }

    private static long draw(Random random, long[] range) {
        return range[0] + (range[1] > range[0] ? random.nextLong(range[1] - range[0] + 1) : 0);
    }
}
