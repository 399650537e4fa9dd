package io.kubevaultauthrenewer.routes;

import static io.kubevaultauthrenewer.e2e.Management.get;
import static io.kubevaultauthrenewer.e2e.Management.managementPort;
import static io.kubevaultauthrenewer.e2e.Management.status;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubevaultauthrenewer.e2e.Management;
import io.kubevaultauthrenewer.e2e.Management.Answer;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;

/**
 * What operators see and change while the renewer runs: the probes on the management port in each state, the JMX
 * bean (in this JVM's platform MBean server, where a JMX client of the process finds it), the Prometheus scrape, route
 * files from ROUTES_DIR (and their reload). The stop on SIGTERM is a process's: {@code e2e/OperationsIT}.
 */
class OperationsRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);

    /** Waits for the first cycle to end; returns the management port. */
    private static int afterFirstCycle(InProcessRenewer renewer) {
        int port = managementPort(renewer);
        renewer.awaitLine("Cycle done", LONG);
        return port;
    }

    // ---- probes ----

    @Test
    void answersUpOnEveryProbeWhenTheTokenAndLeasesAreFine() throws IOException {
        Token token = token(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(60, false))) {
            int port = afterFirstCycle(renewer);

            Answer health = get(port, "/observe/health");
            Answer live = get(port, "/observe/health/live");
            Answer ready = get(port, "/observe/health/ready");

            assertThat(health.status()).as(health.body()).isEqualTo(200);
            assertThat(health.json().get("status").asText()).isEqualTo("UP");
            assertThat(live.status()).isEqualTo(200);
            assertThat(status(live, "renewal-loop")).isEqualTo("UP");
            assertThat(ready.status()).isEqualTo(200);
            assertThat(status(ready, "vault-token")).isEqualTo("UP");
            assertThat(status(ready, "vault-leases")).isEqualTo("UP");
            assertThat(status(ready, "renewer-routes")).isEqualTo("UP");
            JsonNode tokenData = ready.check("vault-token").get("data");
            assertThat(tokenData.get("accessor").asText()).isEqualTo(token.accessor);
            assertThat(tokenData.get("renewable").asText()).isEqualTo("true");
            assertThat(Long.parseLong(tokenData.get("ttl").asText())).isBetween(3500L, 3600L);
            JsonNode leaseData = ready.check("vault-leases").get("data");
            assertThat(Long.parseLong(leaseData.get(lease.id + ".ttl").asText()))
                    .isBetween(3500L, 3600L);
            assertThat(leaseData.get(lease.id + ".last_error").asText()).isEqualTo("none");
            assertThat(health.body() + live.body() + ready.body()).doesNotContain(token.id, APP_SECRET);
            assertThat(get(port, "/observe/nothing").status()).isEqualTo(404);
        }
    }

    @Test
    void turnsReadinessDownButKeepsLivenessUpWhenTheTokenIsRevoked() throws IOException {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(1, false))) {
            int port = afterFirstCycle(renewer);
            assertThat(get(port, "/observe/health/ready").status()).isEqualTo(200);

            vault.revokeToken(token);
            renewer.awaitUntil(() -> get(port, "/observe/health/ready").status() == 503, LONG);

            Answer ready = get(port, "/observe/health/ready");
            assertThat(status(ready, "vault-token")).isEqualTo("DOWN");
            assertThat(ready.check("vault-token").get("data").get("reason").asText())
                    .isEqualTo("Vault rejected the token (403)");
            Answer live = get(port, "/observe/health/live");
            assertThat(live.status()).as(live.body()).isEqualTo(200);
            assertThat(status(live, "renewal-loop")).isEqualTo("UP");
            assertThat(get(port, "/observe/health").status()).isEqualTo(503);
        }
    }

    @Test
    void staysReadyThroughAShortOutageWhileEveryTtlOutlastsTheNextCycle() throws IOException {
        Token token = token(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(1, false, "RENEWER_RETRY_ATTEMPTS", "0"))) {
            int port = afterFirstCycle(renewer);
            vault.seal();
            // the cycles leave the token to its retries, which fail while Vault is sealed
            renewer.awaitLines("(Cycle|Early check) done .*token failed", 2, LONG);

            Answer ready = get(port, "/observe/health/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            assertThat(ready.check("vault-token").get("data").get("last_error").asText())
                    .contains("HTTP 503: Vault is sealed");
            assertThat(get(port, "/observe/health/live").status()).isEqualTo(200);
        }
    }

    @Test
    void turnsReadinessDownWhenALeaseIsGone() throws IOException {
        Token token = token(3600);
        Lease kept = lease(token, 3600);
        Lease lost = lease(token, 3600);
        writeVariables(token, kept, lost);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(1, false))) {
            int port = afterFirstCycle(renewer);
            vault.revokeLease(lost);
            renewer.awaitUntil(() -> get(port, "/observe/health/ready").status() == 503, LONG);

            Answer ready = get(port, "/observe/health/ready");
            JsonNode leases = ready.check("vault-leases");
            assertThat(leases.get("status").asText()).isEqualTo("DOWN");
            assertThat(leases.get("data").get("expiring").asText()).isEqualTo(lost.id);
            assertThat(leases.get("data").get(lost.id + ".last_error").asText())
                    .isEqualTo("vault-lease-lookup failed: HTTP 400: invalid lease");
            assertThat(leases.get("data").get(kept.id + ".last_error").asText()).isEqualTo("none");
            assertThat(status(ready, "vault-token")).isEqualTo("UP");
            assertThat(get(port, "/observe/health/live").status()).isEqualTo(200);
            // the metrics an alert reads: one lease given up as gone, Vault's 400 to its lookup, and no next look
            Map<String, Double> series =
                    Management.parsePrometheusText(get(port, "/observe/metrics").body());
            assertThat(series)
                    .containsEntry("vault_renewer_items_given_up{kind=\"lease\",reason=\"gone\"}", 1.0)
                    .containsEntry("vault_renewer_items_given_up{kind=\"lease\",reason=\"lost\"}", 0.0)
                    .containsEntry("vault_renewer_items_given_up{kind=\"token\",reason=\"gone\"}", 0.0)
                    .containsEntry("vault_renewer_vault_responses_total{call=\"lease_lookup\",status=\"400\"}", 1.0);
            assertThat(series.get(
                            "vault_renewer_next_check_timestamp_seconds{kind=\"lease\",lease_id=\"" + lost.id + "\"}"))
                    .isNaN();
            assertThat(series.get(
                            "vault_renewer_next_check_timestamp_seconds{kind=\"lease\",lease_id=\"" + kept.id + "\"}"))
                    .isFinite();
        }
    }

    @Test
    void turnsLivenessDownWhenTheLoopHasStopped() throws Exception {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(
                1,
                false,
                "RENEWER_CONNECT_TIMEOUT",
                "1s",
                "RENEWER_RESPONSE_TIMEOUT",
                "1s",
                "RENEWER_RETRY_ATTEMPTS",
                "0"))) {
            int port = afterFirstCycle(renewer);
            assertThat(get(port, "/observe/health/live").status()).isEqualTo(200);

            // an operator stops the schedule through Camel's own route MBean
            ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("org.apache.camel:context=kube-vault-auth-renewer,type=routes,"
                                    + "name=\"renewal-schedule\""),
                            "stop",
                            null,
                            null);
            renewer.awaitUntil(() -> get(port, "/observe/health/live").status() == 503, LONG);

            Answer live = get(port, "/observe/health/live");
            assertThat(status(live, "renewal-loop")).isEqualTo("DOWN");
            assertThat(live.check("renewal-loop").get("data").get("reason").asText())
                    .startsWith("no cycle completed since");
            Answer ready = get(port, "/observe/health/ready");
            assertThat(status(ready, "renewer-routes")).isEqualTo("DOWN");
            assertThat(ready.check("renewer-routes")
                            .get("data")
                            .get("not_running")
                            .asText())
                    .isEqualTo("renewal-schedule");
        }
    }

    // ---- JMX ----

    @Test
    void showsTheRenewerInJmxAndRunsACycleOnRenewNow() throws Exception {
        Token token = token(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(600, false))) {
            renewer.awaitLine("Cycle done", LONG);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("kube-vault-auth-renewer:type=Renewer");

            assertThat(server.getAttribute(name, "TokenAccessor")).isEqualTo(token.accessor);
            assertThat((Long) server.getAttribute(name, "TokenTtl")).isBetween(3500L, 3600L);
            assertThat((String) server.getAttribute(name, "TokenExpireTime")).matches("\\d{4}-.*Z");
            assertThat(server.getAttribute(name, "CyclesCompleted")).isEqualTo(1L);
            assertThat(server.getAttribute(name, "NotDueCount")).isEqualTo(2L);
            assertThat(server.getAttribute(name, "FailedCount")).isEqualTo(0L);
            CompositeData[] leases = (CompositeData[]) server.getAttribute(name, "Leases");
            assertThat(leases).hasSize(1);
            assertThat(leases[0].get("leaseId")).isEqualTo(lease.id);
            assertThat((Long) leases[0].get("ttl")).isBetween(3500L, 3600L);
            assertThat(leases[0].get("lastOutcome")).isEqualTo("NOT_DUE");
            assertThat((String) server.getAttribute(name, "NextCycleTime")).matches("\\d{4}-.*Z");
            assertThat(server.getAttribute(name, "EndOfLife"))
                    .as("nothing capped")
                    .isEqualTo("none");

            int lookups = vault.requests("/v1/auth/token/lookup-self").size();
            Object summary = server.invoke(name, "renewNow", null, null);

            assertThat((String) summary).startsWith("Cycle done in").contains("leases checked 1");
            assertThat(server.getAttribute(name, "CyclesCompleted")).isEqualTo(2L);
            assertThat(vault.requests("/v1/auth/token/lookup-self")).hasSize(lookups + 1);
            List<String> everything = new ArrayList<>();
            for (var attribute : server.getMBeanInfo(name).getAttributes()) {
                everything.add(String.valueOf(server.getAttribute(name, attribute.getName())));
            }
            everything.add(java.util.Arrays.toString(leases));
            assertThat(String.join("\n", everything)).doesNotContain(token.id, APP_SECRET);
        }
    }

    // ---- metrics ----

    @Test
    void servesPrometheusTextWithTheRenewerSeries() throws IOException {
        Token token = token(3600);
        Lease due = lease(token, 100);
        Lease notDue = lease(token, 3600);
        // its max TTL (50 s) is shorter than what a renewal grants: the renewal is capped, its end is final
        Lease capped =
                vault.createLease(token, "database/creds/app", Duration.ofSeconds(100), Duration.ofSeconds(50), true);
        writeVariables(token, due, notDue, capped);

        try (InProcessRenewer renewer = InProcessRenewer.start(renewerEnv(60, false))) {
            int port = afterFirstCycle(renewer);
            long end = vault.expiry(capped).getEpochSecond();

            Answer scrape = get(port, "/observe/metrics");

            assertThat(scrape.status()).isEqualTo(200);
            Map<String, Double> series = Management.parsePrometheusText(scrape.body());
            assertThat(series)
                    .containsEntry("vault_renewer_renewals_total{kind=\"lease\",outcome=\"renewed\"}", 1.0)
                    .containsEntry("vault_renewer_renewals_total{kind=\"lease\",outcome=\"not_due\"}", 1.0)
                    .containsEntry("vault_renewer_renewals_total{kind=\"token\",outcome=\"not_due\"}", 1.0)
                    .containsEntry("vault_renewer_renewals_total{kind=\"lease\",outcome=\"failed\"}", 0.0)
                    .containsEntry("vault_renewer_renewals_total{kind=\"lease\",outcome=\"capped\"}", 1.0)
                    .containsEntry("vault_renewer_renew_interval_seconds", 60.0)
                    .containsEntry("vault_renewer_cycles_total", 1.0)
                    .containsEntry("vault_renewer_cycle_duration_seconds_count", 1.0)
                    // by call: the token's lookup, three leases' lookups, the due and the capped one's renewals
                    .containsEntry("vault_renewer_vault_responses_total{call=\"token_lookup\",status=\"200\"}", 1.0)
                    .containsEntry("vault_renewer_vault_responses_total{call=\"lease_lookup\",status=\"200\"}", 3.0)
                    .containsEntry("vault_renewer_vault_responses_total{call=\"lease_renew\",status=\"200\"}", 2.0)
                    .containsEntry("vault_renewer_items_given_up{kind=\"lease\",reason=\"gone\"}", 0.0)
                    .containsEntry("vault_renewer_items_given_up{kind=\"lease\",reason=\"lost\"}", 0.0)
                    .containsEntry("vault_renewer_items_given_up{kind=\"token\",reason=\"lost\"}", 0.0);
            assertThat(series.keySet().stream().filter(k -> k.startsWith("vault_renewer_vault_responses_total")))
                    .hasSize(3);
            // the next look: the next cycle, a minute on, for the token and the lease far from its end
            double now = Instant.now().getEpochSecond();
            assertThat(series.get("vault_renewer_next_check_timestamp_seconds{kind=\"token\",lease_id=\"\"}"))
                    .isBetween(now + 50, now + 61);
            assertThat(series.get("vault_renewer_next_check_timestamp_seconds{kind=\"lease\",lease_id=\"" + notDue.id
                            + "\"}"))
                    .isBetween(now + 50, now + 61);
            // the pod's end of life: the capped lease's expiry, in the metric, the health data and one log line
            assertThat(series.get("vault_renewer_end_of_life_timestamp_seconds"))
                    .isBetween(end - 2.0, end + 1.0);
            JsonNode leases = get(port, "/observe/health").check("vault-leases").get("data");
            assertThat(Instant.parse(leases.get("end_of_life").asText()).getEpochSecond())
                    .isBetween(end - 2, end + 1);
            assertThat(leases.get("end_of_life_cause").asText())
                    .isEqualTo("Lease " + capped.id + ": its max TTL is reached");
            assertThat(renewer.linesWith("End of life: the pod's secrets die at "))
                    .singleElement()
                    .asString()
                    .contains(" INFO ", "(Lease " + capped.id + ": its max TTL is reached)");
            assertThat(series.get("vault_renewer_time_to_expiry_seconds{kind=\"lease\",lease_id=\"" + due.id + "\"}"))
                    .isBetween(90.0, 100.0);
            assertThat(series.get(
                            "vault_renewer_time_to_expiry_seconds{kind=\"lease\",lease_id=\"" + notDue.id + "\"}"))
                    .isBetween(3500.0, 3600.0);
            assertThat(series.get("vault_renewer_time_to_expiry_seconds{kind=\"token\",lease_id=\"\"}"))
                    .isBetween(3500.0, 3600.0);
            assertThat(series)
                    .containsKey("camel_exchanges_total{camelContext=\"kube-vault-auth-renewer\","
                            + "eventType=\"route\",kind=\"CamelRoute\",routeId=\"lease-renewal\"}");
            assertThat(scrape.body()).doesNotContain(token.id, APP_SECRET);
        }
    }

    // ---- route files ----

    @Test
    void runsARouteFileFromRoutesDirInsteadOfTheBuiltInOne() throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(routes.resolve("renewal-failure.camel.yaml"), failureRoute("Lost from the outside:"));
        Token token = tokenRefusedLeaseLookups(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);
        Map<String, String> env = renewerEnv(3600, true);
        env.put("ROUTES_DIR", routes.toString());

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            assertThat(renewer.awaitExit(LONG)).isEqualTo(1);
            assertThat(renewer.output())
                    .contains("INFO RouteIncludes - Route files of ROUTES_DIR " + routes.toAbsolutePath()
                            + " run inside the renewer with its rights: they can read the variables file and call"
                            + " Vault with its token. Whoever can change them can read every secret of this pod")
                    .contains("replaces the built-in")
                    .contains("ERROR renewal-failure - Lost from the outside: Lease " + lease.id)
                    .doesNotContain("vault-lease-lookup failed");
            // the outside file replaced the built-in one: every route once, none twice
            assertThat(renewer.linesWith(" Started ").stream()
                            .map(l -> l.replaceFirst(".* Started (\\S+) .*", "$1"))
                            .toList())
                    .containsExactlyInAnyOrder(
                            "renewal-schedule",
                            "renewal-cycle",
                            "token-renewal",
                            "lease-renewal",
                            "renewal-failure",
                            "shutdown-revocation",
                            "lease-revocation",
                            "lease-revoke-call");
        }
    }

    @Test
    void reloadsAnEditedRouteFileAndReportsABrokenOne() throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Path file = routes.resolve("renewal-failure.camel.yaml");
        Files.writeString(file, failureRoute("First edit:"));
        Token token = tokenRefusedLeaseLookups(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);

        try (InProcessRenewer renewer = InProcessRenewer.start(
                renewerEnv(1, false, "ROUTES_DIR", routes.toString(), "ROUTES_RELOAD", "true"))) {
            int port = managementPort(renewer);
            renewer.awaitLine("First edit: Lease " + lease.id, LONG);
            assertThat(renewer.output())
                    .contains("Whoever can change them (ROUTES_RELOAD=true: loaded as they change, without a"
                            + " restart) can read every secret of this pod");

            Files.writeString(file, failureRoute("Second edit:"));
            renewer.awaitLine("Second edit: Lease " + lease.id, LONG);

            // readiness is already DOWN (the lease cannot be looked up): the routes' own check is what changes
            assertThat(status(get(port, "/observe/health/ready"), "renewer-routes"))
                    .isEqualTo("UP");
            Files.writeString(file, "- route:\n    id: renewal-failure\n    from: [this is not a route\n");
            renewer.awaitLine(
                    "ERROR RouteFiles - Route file\\(s\\) .*renewal-failure.camel.yaml could not be loaded", LONG);
            renewer.awaitUntil(
                    () -> status(get(port, "/observe/health/ready"), "renewer-routes")
                            .equals("DOWN"),
                    LONG);
            Answer ready = get(port, "/observe/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.check("renewer-routes")
                            .get("data")
                            .get("reload_error")
                            .asText())
                    .contains("renewal-failure.camel.yaml");
            int cycles = renewer.linesWith("Cycle done").size();
            renewer.awaitLines("Cycle done", cycles + 2, LONG);
            assertThat(renewer.isAlive()).isTrue();
        }
    }
}
