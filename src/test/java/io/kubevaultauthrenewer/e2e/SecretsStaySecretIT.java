package io.kubevaultauthrenewer.e2e;

import static io.kubevaultauthrenewer.e2e.Management.connect;
import static io.kubevaultauthrenewer.e2e.Management.freePort;
import static io.kubevaultauthrenewer.e2e.Management.get;
import static io.kubevaultauthrenewer.e2e.Management.jmxOptions;
import static io.kubevaultauthrenewer.e2e.Management.managementPort;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.emulator.TestPki;
import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Before;
import io.kubevaultauthrenewer.emulator.VaultEmulator.CutShort;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Delay;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Drop;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RawBody;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Standby;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Status;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One renewer, over mutual TLS and at DEBUG level, driven through the fault matrix; everything it puts out is
 * collected (its log, every JMX attribute of its own and Camel's MBeans, the health and metrics bodies, what
 * renewNow() answers, the exceptions logged with their causes) and searched for the token, the client key and every
 * value of the variables file other than LEASE_IDS.
 */
class SecretsStaySecretIT {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final ObjectName RENEWER = name("kube-vault-auth-renewer:type=Renewer");

    @TempDir
    Path dir;

    private final ShiftableClock clock = new ShiftableClock();
    private TestPki pki;
    private VaultEmulator vault;
    private final List<String> collected = new ArrayList<>();

    @BeforeEach
    void startVault() throws IOException {
        pki = TestPki.create(Files.createDirectory(dir.resolve("pki")));
        vault = VaultEmulator.start(clock, pki.serverContext(), true);
    }

    @AfterEach
    void stopVault() {
        vault.close();
    }

    /** The values of the variables file that must never show (all but LEASE_IDS), by name. */
    private static Map<String, String> appSecrets(Token token) {
        return Map.of(
                "VAULT_TOKEN", token.id,
                "DB_PASSWORD", "pa55-w0rd-of-the-db",
                "API_KEY", "ak_live_7f3c9e1d2b4a",
                "TLS_KEY_LINE", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
                "QUOTED", "it's \"quoted\" and has spaces");
    }

    private static String variablesFile(Map<String, String> secrets, List<Lease> leases) {
        return "export VAULT_TOKEN=\"" + secrets.get("VAULT_TOKEN") + "\"\n"
                + "export DB_PASSWORD='" + secrets.get("DB_PASSWORD") + "'\n"
                + "API_KEY=" + secrets.get("API_KEY") + "\n"
                + "export TLS_KEY=\"-----BEGIN PRIVATE KEY-----\n" + secrets.get("TLS_KEY_LINE")
                + "\n-----END PRIVATE KEY-----\"\n"
                + "export QUOTED=\"it's \\\"quoted\\\" and has spaces\"\n"
                + "export LEASE_IDS="
                + String.join(",", leases.stream().map(l -> l.id).toList()) + "\n";
    }

    private void write(Path variables, String content) throws IOException {
        Path next = dir.resolve("variables.next");
        Files.writeString(next, content);
        Files.move(next, variables, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void neverShowsTheTokenTheClientKeyOrAVariablesFileValueThroughoutTheFaultMatrix() throws Exception {
        Standby node = vault.startStandby(vault.address());
        node.promote();
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(5000)));
        Lease expiring = vault.createLease(token, "database/creds/short", Duration.ofSeconds(100), Duration.ZERO, true);
        Lease lease = vault.createLease(token, "database/creds/app", Duration.ofSeconds(5000), Duration.ZERO, true);
        Lease doomed = vault.createLease(token, "aws/creds/deploy", Duration.ofSeconds(5000), Duration.ZERO, true);
        Map<String, String> secrets = appSecrets(token);
        Path variables = dir.resolve("variables");
        String goodFile = variablesFile(secrets, List.of(expiring, lease, doomed));
        write(variables, goodFile);
        int jmxPort = freePort();
        Map<String, String> env = new HashMap<>(RenewerProcess.env(
                "VAULT_ADDR", "https://localhost:" + node.port(),
                "VAULT_CACERT", pki.caPem.toString(),
                "VAULT_CLIENT_CERT", pki.clientCertPem.toString(),
                "VAULT_CLIENT_KEY", pki.clientKeyPem.toString(),
                "VARIABLES_FILE", variables.toString(),
                "RENEW_INTERVAL", "3600",
                "CAMEL_MANAGEMENT_PORT", "0",
                "RENEWER_RETRY_ATTEMPTS", "1",
                "RENEWER_RETRY_DELAY", "100ms",
                "RENEWER_RESPONSE_TIMEOUT", "1s",
                "RENEWER_BACKOFF_INITIAL", "200ms",
                "RENEWER_MAX_REQUESTS_PER_SECOND", "0",
                "REVOKE_ON_SHUTDOWN", "true"));
        List<String> jvm = new ArrayList<>(List.of(jmxOptions(jmxPort)));
        jvm.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");

        try (RenewerProcess renewer = RenewerProcess.start(env, jvm.toArray(String[]::new))) {
            try (JMXConnector jmx = connect(jmxPort)) {
                runTheMatrix(renewer, jmx.getMBeanServerConnection(), node, variables, goodFile, token, doomed);
            }
            renewer.stop(LONG); // SIGTERM, with REVOKE_ON_SHUTDOWN (which now fails: the token is gone)
            collected.add(renewer.output());
        }

        String everything = String.join("\n", collected);
        // the matrix really ran: each fault left its mark in what was collected
        assertThat(everything)
                .contains(" DEBUG ")
                .contains("Vault's answer is not JSON")
                .contains("HTTP 429: rate limit quota exceeded")
                .contains("HTTP 412: required index state not present")
                .contains("no answer in time")
                .contains("the connection closed before an answer")
                .contains("the connection closed in the middle of the answer")
                .contains("HTTP 503: Vault is sealed")
                .contains("Vault redirected to https://vault.test:" + vault.port())
                .contains("the double quote opened there is never closed")
                .contains("permission denied")
                .contains("vault-lease-renew failed: HTTP 400: lease not found")
                .contains("vault_renewer_renewals_total")
                .containsPattern("\"status\" ?: ?\"DOWN\"")
                .contains("LastCycleSummary=");
        assertThat(vault.requests()).filteredOn(r -> r.status() == 307).isNotEmpty();
        List<String> leaks = new ArrayList<>();
        secrets.forEach((name, value) -> leaks.addAll(shown(everything, name, value)));
        for (String line : Files.readAllLines(pki.clientKeyPem)) {
            if (!line.startsWith("-----")) {
                leaks.addAll(shown(everything, "a line of VAULT_CLIENT_KEY", line));
            }
        }
        assertThat(leaks)
                .as("secrets in the renewer's output, JMX, health or metrics")
                .isEmpty();
    }

    private void runTheMatrix(
            RenewerProcess renewer,
            MBeanServerConnection server,
            Standby node,
            Path variables,
            String goodFile,
            Token token,
            Lease doomed)
            throws Exception {
        int port = managementPort(renewer);
        renewer.awaitLine("Cycle done", LONG);
        Stages stages = new Stages(server, port);

        stages.run("a normal cycle", () -> {});
        stages.run(
                "an HTML page from a proxy",
                () -> vault.inject(
                        "/v1/sys/leases/lookup",
                        1,
                        new RawBody(502, "text/html", "<html><body>Bad Gateway</body></html>")));
        stages.run(
                "JSON of the wrong shape",
                () -> vault.inject(
                        "/v1/auth/token/lookup-self", 1, new RawBody(200, "application/json", "{\"data\":[1,2]}")));
        stages.run("an empty 200", () -> vault.inject("/v1/sys/leases/renew", 1, new RawBody(200, null, "")));
        stages.run(
                "429 with Retry-After",
                () -> vault.inject(
                        "/v1/sys/leases/lookup",
                        2,
                        new Status(429, List.of("rate limit quota exceeded"), Map.of("Retry-After", "1"))));
        stages.run(
                "412",
                () -> vault.inject(
                        "/v1/sys/leases/renew", 2, VaultEmulator.status(412, "required index state not present")));
        stages.run(
                "an answer slower than the timeout",
                () -> vault.inject("/v1/auth/token/lookup-self", 1, new Delay(Duration.ofMillis(1500))));
        stages.run("a dropped connection", () -> vault.inject("/v1/sys/leases/lookup", 1, new Drop()));
        stages.run("an answer cut short", () -> vault.inject("/v1/auth/token/lookup-self", 1, new CutShort()));
        stages.run("sealed", vault::seal);
        vault.unseal();
        stages.run(
                "a redirect to the active node on the same host",
                () -> node.redirectTo("https://localhost:" + vault.port()));
        stages.run("a redirect to another host", () -> node.redirectTo("https://vault.test:" + vault.port()));
        node.promote();
        stages.run(
                "the variables file half-written",
                () -> Files.writeString(variables, goodFile.substring(0, goodFile.indexOf("-----END"))));
        stages.run("the variables file missing", () -> Files.delete(variables));
        write(variables, goodFile);
        stages.run(
                "a lease expiring between its lookup and its renewal",
                () -> vault.inject(
                        "/v1/sys/leases/renew", 1, new Before(() -> clock.advance(Duration.ofSeconds(101)))));
        stages.run("a lease revoked", () -> vault.revokeLease(doomed));
        stages.run("the token revoked", () -> vault.revokeToken(token));
    }

    /** Each stage sets a fault up, runs a cycle through JMX's renewNow(), and collects what an operator can see. */
    private final class Stages {
        private final MBeanServerConnection server;
        private final int port;

        Stages(MBeanServerConnection server, int port) {
            this.server = server;
            this.port = port;
        }

        interface Setup {
            void run() throws Exception;
        }

        void run(String stage, Setup setup) throws Exception {
            setup.run();
            collected.add("---- " + stage);
            collected.add(String.valueOf(server.invoke(RENEWER, "renewNow", null, null)));
            for (String path : List.of("/observe/health", "/observe/health/live", "/observe/health/ready")) {
                collected.add(get(port, path).body());
            }
            collected.add(get(port, "/observe/metrics").body());
            collectJmx();
        }

        /** Every readable attribute of the renewer's and Camel's MBeans. */
        private void collectJmx() throws Exception {
            Set<ObjectName> names = server.queryNames(name("org.apache.camel:*"), null);
            names.add(RENEWER);
            for (ObjectName bean : names) {
                String[] attributes = Arrays.stream(server.getMBeanInfo(bean).getAttributes())
                        .filter(MBeanAttributeInfo::isReadable)
                        .map(MBeanAttributeInfo::getName)
                        .toArray(String[]::new);
                for (Attribute attribute :
                        server.getAttributes(bean, attributes).asList()) {
                    Object value = attribute.getValue();
                    collected.add(bean + " " + attribute.getName() + "="
                            + (value instanceof Object[] array ? Arrays.deepToString(array) : value));
                }
            }
        }
    }

    /** Where a secret shows: each line that holds it, with the secret itself masked, so a failure does not print it. */
    private static List<String> shown(String everything, String name, String secret) {
        return everything
                .lines()
                .filter(line -> line.contains(secret))
                .map(line -> name + " in: " + line.replace(secret, "<" + name + ">"))
                .toList();
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
