package io.kubevaultauthrenewer.routes;

import static io.kubevaultauthrenewer.e2e.Management.get;
import static io.kubevaultauthrenewer.e2e.Management.managementPort;
import static java.util.stream.Collectors.counting;
import static java.util.stream.Collectors.groupingBy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubevaultauthrenewer.config.VariablesFile;
import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Items of the fault matrix about what the renewer is given: thousands of lease ids, ids with odd characters, and a
 * variables file that disappears, turns into a directory or grows to megabytes while the renewer runs; and a lease that
 * expires between its lookup and its renewal. In each, nothing that could have been kept alive is lost, the log says
 * what happened, and the renewer keeps running (unless RUN_ONCE).
 */
class LeaseIdsAndFileFaultsRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final int HOUR = 3600;

    // ---- lease ids ----

    @Test
    void looksUpAndRenewsEachOfThousandsOfLeaseIdsOnceThoughBlanksAndDuplicatesAreMixedIn() throws IOException {
        Token token = token(8000);
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            leases.add(lease(token, 5000));
        }
        StringBuilder ids = new StringBuilder(",, ");
        for (int i = 0; i < leases.size(); i++) {
            ids.append(leases.get(i).id).append(i % 3 == 0 ? ",," : i % 3 == 1 ? " , " : ",");
            if (i % 100 == 99) {
                ids.append(leases.get(i - 50).id)
                        .append(" ,")
                        .append(leases.get(i).id)
                        .append(',');
            }
        }
        writeVariables("export VAULT_TOKEN=\"" + token.id + "\"\n"
                + "export DB_PASSWORD='" + APP_SECRET + "'\n"
                + "export LEASE_IDS='" + ids + "'\n");
        Map<String, String> env = renewerEnv(HOUR, true);
        env.put("RENEWER_MAX_REQUESTS_PER_SECOND", "0");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            // about 8 s of cycle here (6000 calls); generous for a busy machine
            assertThat(renewer.awaitExit(Duration.ofMinutes(2)))
                    .as(renewer.output())
                    .isZero();

            Map<String, Long> expected = countBy(leases, l -> l.id);
            assertThat(timesPerLease(vault.requests("/v1/sys/leases/lookup"))).isEqualTo(expected);
            assertThat(timesPerLease(vault.requests("/v1/sys/leases/renew"))).isEqualTo(expected);
            assertThat(leases).allSatisfy(l -> assertThat(vault.renewals(l)).isEqualTo(1));
            assertThat(renewer.linesWith("Watching 3000 lease(s): "))
                    .singleElement()
                    .asString()
                    .contains(leases.get(0).id + ", ", leases.get(19).id + ", … and 2980 more (all of them at DEBUG)")
                    .doesNotContain(leases.get(20).id)
                    .hasSizeLessThan(16 * 1024);
            String summary = renewer.linesWith("Cycle done").get(0);
            assertThat(summary).contains("leases checked 3000, renewed 3000, not due 0, failed 0, capped 0");
            assertThat(renewer.linesWith(" ERROR ")).isEmpty();
        }
    }

    @Test
    void refusesALeaseIdWithALineBreakNamingItsPositionAndRenewsTheOthers() throws IOException {
        Token token = token(8000);
        Lease first = lease(token, 5000);
        Lease third = lease(token, 5000);
        String forged = "database/creds/app/x\n2026-12-01T11:28:43.502Z INFO LeaseRenewal - forged\u001b[2K";
        writeVariables("export VAULT_TOKEN='" + token.id + "'\n");
        Map<String, String> env = renewerEnv(HOUR, true);
        env.put("LEASE_IDS", first.id + "," + forged + "," + third.id);

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitExit(LONG);

            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .extracting(RecordedRequest::leaseId)
                    .containsExactly(first.id, third.id);
            assertThat(vault.requests("/v1/sys/leases/lookup"))
                    .extracting(RecordedRequest::leaseId)
                    .containsExactly(first.id, third.id);
            assertThat(renewer.linesWith(" ERROR "))
                    .as("at the start-up check and at the cycle")
                    .isNotEmpty()
                    .allSatisfy(line -> assertThat(line)
                            .endsWith("LEASE_IDS from the environment: entry #2 holds the control character U+000A at"
                                    + " position 21: refused, not renewed (the other leases are)"));
            assertThat(renewer.output().lines()).as(renewer.output()).noneMatch(line -> line.contains("forged"));
        }
    }

    @Test
    void takesNonAsciiLeaseIdsFromTheEnvironmentWithoutALocale() throws IOException {
        Token token = token(8000);
        List<String> ids = List.of("database/creds/café/1", "kv/日本/2 with space");
        List<Lease> leases = ids.stream()
                .map(id -> vault.addLease(id, token, Duration.ofSeconds(5000), Duration.ZERO, true, null))
                .toList();
        writeVariables("export VAULT_TOKEN='" + token.id + "'\n");
        Map<String, String> env = renewerEnv(HOUR, true);
        env.put("LEASE_IDS", String.join(",", ids)); // and no LANG or LC_ALL, as in a bare container

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(LONG)).as(renewer.output()).isZero();

            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .extracting(RecordedRequest::leaseId)
                    .containsExactlyElementsOf(ids);
            assertThat(leases).allSatisfy(l -> assertThat(vault.renewals(l)).isEqualTo(1));
            assertThat(renewer.output()).contains("Watching 2 lease(s): " + String.join(", ", ids));
        }
    }

    @Test
    void sendsAndLogsLeaseIdsWithQuotesSpacesBackslashesAndNonAsciiExactlyAsTheShellReadsThem()
            throws IOException, InterruptedException {
        Token token = token(8000);
        List<String> ids = List.of(
                "database/creds/app/say\"hi\"",
                "database/creds/app/it's",
                "database/creds/app/with spaces inside",
                "database/creds/app/back\\slash",
                "database/creds/café/日本-Ab12");
        List<Lease> leases = ids.stream()
                .map(id -> vault.addLease(id, token, Duration.ofSeconds(5000), Duration.ZERO, true, null))
                .toList();
        String leaseIds = String.join(" , ", ids);
        writeVariables("export VAULT_TOKEN='" + token.id + "'\n"
                + "export DB_PASSWORD='" + APP_SECRET + "'\n"
                + "export LEASE_IDS=" + shellQuoted(leaseIds) + "\n");
        assertThat(asTheShellReadsIt("LEASE_IDS")).as("the file as sh reads it").isEqualTo(leaseIds);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(HOUR, true))) {
            assertThat(renewer.awaitExit(LONG)).as(renewer.output()).isZero();

            assertThat(vault.requests("/v1/sys/leases/lookup"))
                    .extracting(RecordedRequest::leaseId)
                    .containsExactlyElementsOf(ids);
            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .extracting(RecordedRequest::leaseId)
                    .containsExactlyElementsOf(ids);
            assertThat(leases).allSatisfy(l -> assertThat(vault.renewals(l)).isEqualTo(1));
            assertThat(renewer.output()).contains("Watching 5 lease(s): " + String.join(", ", ids));
            assertThat(ids)
                    .allSatisfy(id -> assertThat(renewer.output()).contains("Lease " + id + " renewed: ttl 1h23m20s"));
            assertThat(renewer.linesWith("Cycle done"))
                    .singleElement()
                    .asString()
                    .contains("leases checked 5, renewed 5, not due 0, failed 0, capped 0");
        }
    }

    // ---- the variables file while the renewer runs ----

    @Test
    void keepsRenewingWithTheCredentialsReadBeforeWhenTheFileIsDeletedThoughTheEnvironmentHasAToken()
            throws IOException {
        Map<String, String> env = renewerEnv(2, false);
        // a fallback the environment offers, with no lease ids: taking it would give the lease up
        env.put("VAULT_TOKEN", token(3600).id);

        keepsTheCredentialsReadBeforeWhen(env, () -> Files.delete(variables), variables + " no longer exists");
    }

    @Test
    void keepsRenewingWithTheCredentialsReadBeforeWhenTheFileBecomesADirectory() throws IOException {
        FileFault replaceByADirectory = () -> {
            Files.delete(variables);
            Files.createDirectory(variables);
        };

        keepsTheCredentialsReadBeforeWhen(
                renewerEnv(2, false), replaceByADirectory, variables + " is a directory, not a variables file");
    }

    /** Something done to the variables file while the renewer runs. */
    private interface FileFault {
        void apply() throws IOException;
    }

    /**
     * Runs a renewer on a token and a lease of 6 s, does {@code fault} after its first cycle, and checks that each
     * cycle then reports {@code problem} in an ERROR line and renews both with the token read before.
     */
    private void keepsTheCredentialsReadBeforeWhen(Map<String, String> env, FileFault fault, String problem)
            throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(6)));
        Lease lease = lease(token, 6);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            renewer.awaitLine("Cycle done", LONG);
            fault.apply();

            renewer.awaitLine("ERROR .*" + Pattern.quote(variables.toString()), LONG);
            keepsEverythingAlive(renewer, token, lease);
            assertThat(renewer.linesWith(" ERROR "))
                    .isNotEmpty()
                    .allSatisfy(l -> assertThat(l)
                            .contains(problem + "; this cycle goes on with the token and lease ids read before"));
        }
    }

    @Test
    void readsAVariablesFileNearItsOneMibCapAndPrintsNoneOfThem() throws IOException {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(10)));
        Lease lease = lease(token, 10);
        Random random = new Random(42);
        List<String> secrets = new ArrayList<>();
        StringBuilder file = new StringBuilder("# written by the init container\n");
        for (int i = 0; i < 8; i++) {
            // a 512 KiB keystore, then 64 KiB values; the token and the lease ids half way through
            String secret = "secret" + i + "-" + randomText(random, i == 0 ? 512 << 10 : 64 << 10);
            secrets.add(secret);
            file.append("export SECRET_").append(i).append("='").append(secret).append("'\n");
            if (i == 4) {
                file.append("export VAULT_TOKEN=\"").append(token.id).append("\"\n");
                file.append("export LEASE_IDS=").append(lease.id).append('\n');
            }
        }
        writeVariables(file.toString());
        assertThat(Files.size(variables)).isBetween(960L << 10, VariablesFile.MAX_BYTES);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(2, false))) {
            keepsEverythingAlive(renewer, token, lease);

            assertThat(renewer.output()).contains("Watching 1 lease(s): " + lease.id);
            assertThat(renewer.linesWith(" ERROR ")).isEmpty();
            String output = renewer.output();
            assertThat(secrets).allSatisfy(s -> assertThat(output).doesNotContain(s.substring(0, 40)));
            assertThat(output).doesNotContain(token.id);
        }
    }

    // ---- a lease that expires between its lookup and its renewal ----

    @Test
    void reportsALeaseThatExpiresBetweenItsLookupAndItsRenewalOnceAndRenewsTheOthers() throws IOException {
        Token token = token(8000);
        Lease doomed = lease(token, 100);
        Lease kept1 = lease(token, 5000);
        Lease kept2 = vault.createLease(token, "aws/creds/deploy", Duration.ofSeconds(5000), Duration.ZERO, true);
        writeVariables(token, doomed, kept1, kept2);
        // the first renewal is the doomed lease's: Vault's clock passes its expiry as the request arrives
        vault.inject("/v1/sys/leases/renew", 1, new VaultEmulator.Before(() -> clock.advance(Duration.ofSeconds(101))));
        Map<String, String> env = renewerEnv(HOUR, false);

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            String summary = renewer.awaitLine("Cycle done", LONG);

            assertThat(summary).contains("leases checked 3, renewed 2, not due 0, failed 1, capped 0");
            assertThat(vault.requests("/v1/sys/leases/renew"))
                    .filteredOn(r -> doomed.id.equals(r.leaseId()))
                    .as("a 400 is not retried")
                    .singleElement()
                    .extracting(RecordedRequest::status)
                    .isEqualTo(400);
            assertThat(renewer.linesWith(" ERROR "))
                    .singleElement()
                    .asString()
                    .contains("Lease " + doomed.id + ": vault-lease-renew failed: HTTP 400: lease not found");
            assertThat(vault.renewals(kept1)).isEqualTo(1);
            assertThat(vault.renewals(kept2)).isEqualTo(1);
            assertThat(vault.isAlive(kept1)).isTrue();
            assertThat(vault.isAlive(kept2)).isTrue();

            JsonNode leases =
                    get(managementPort(renewer), "/observe/health/ready").check("vault-leases");
            assertThat(leases.get("status").asText()).isEqualTo("DOWN");
            assertThat(leases.get("data").get("expiring").asText()).isEqualTo(doomed.id);
            assertThat(leases.get("data").get(doomed.id + ".last_error").asText())
                    .isEqualTo("vault-lease-renew failed: HTTP 400: lease not found");
            assertThat(renewer.isAlive()).isTrue();
        }
    }

    // ---- helpers ----

    /** The token and the lease renewed twice more, with the token read before, and the renewer still running. */
    private void keepsEverythingAlive(InProcessRenewer renewer, Token token, Lease lease) {
        int tokenRenewals = vault.renewals(token);
        int leaseRenewals = vault.renewals(lease);
        renewer.awaitUntil(
                () -> vault.renewals(token) >= tokenRenewals + 2 && vault.renewals(lease) >= leaseRenewals + 2, LONG);
        assertThat(vault.isAlive(token)).isTrue();
        assertThat(vault.isAlive(lease)).isTrue();
        assertThat(vault.requests())
                .allSatisfy(r -> assertThat(r.header("X-Vault-Token")).isEqualTo(token.id));
        assertThat(renewer.isAlive()).isTrue();
    }

    /** How many of the items have each id. */
    private static <T> Map<String, Long> countBy(List<T> items, Function<T, String> id) {
        return items.stream().collect(groupingBy(id, counting()));
    }

    private static Map<String, Long> timesPerLease(List<RecordedRequest> requests) {
        return countBy(requests, RecordedRequest::leaseId);
    }

    /** A word that sh reads as exactly {@code value}: single-quoted, each ' written as '\''. */
    private static String shellQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /** The value of a variable after sh sources the variables file, as the app container would. */
    private String asTheShellReadsIt(String name) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder(
                        "/bin/sh", "-c", ". \"$0\" && printf %s \"$" + name + "\"", variables.toString())
                .redirectErrorStream(true)
                .start();
        String value = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).as(value).isZero();
        return value;
    }

    private static String randomText(Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
