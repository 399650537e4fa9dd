package io.kubevaultauthrenewer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.ManifestsTest;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator.Refusal;
import io.kubevaultauthrenewer.emulator.TestPki;
import io.kubevaultauthrenewer.emulator.VaultEmulator;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Delay;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Status;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and the dashboard of manifests/monitoring/ against a real Prometheus (Debian's package) scraping
 * renewers that run as the image runs them, against the emulators. Each alert is inactive, then its scenario is
 * played (an eviction refused until the secrets die, a capped lease without eviction, Vault failing, Vault hanging, a
 * renewer restarting and stopping) and it goes pending and firing. The rules are the shipped ones with their
 * durations shortened (a {@code for:} to 1s, a range of minutes to as many seconds): the expressions are unchanged,
 * and their durations are promtool's to test (AlertRulesTest). Then every dashboard query returns data, and every
 * metric name of a rule or a panel is one the live scrape has.
 */
class MonitoringIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "apps";
    private static final Duration LONG = Duration.ofSeconds(90);
    private static final Path DASHBOARD = Path.of("manifests/monitoring/dashboard.json");
    private static final Path RULES = Path.of("manifests/monitoring/vault-renewer.rules.yaml");
    private static final Set<String> NOT_METRICS =
            Set.of("and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan");

    @TempDir
    Path dir;

    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private PrometheusServer prometheus;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    private <T extends AutoCloseable> T open(T resource) {
        open.push(resource);
        return resource;
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!open.isEmpty()) {
            open.pop().close();
        }
    }

    /** The shipped rules with their durations shortened: every {@code for:} 1s, every range minutes to seconds. */
    static String atTestSpeed(String rules) {
        return rules.replaceAll("(?m)^(\\s+)for: \\S+$", "$1for: 1s")
                .replaceAll("\\[(\\d+)m]", "[$1s]")
                .replaceAll("\\[(\\d+)h]", "[$1m]");
    }

    /** A renewer of pod {@code pod}, on a port of its own that Prometheus scrapes with namespace and pod labels. */
    private final class Renewer {
        final String pod;
        final int port;
        final Map<String, String> env;
        RenewerProcess process;

        Renewer(String pod, VaultEmulator vault, int intervalSeconds, Token token, Lease... leases) throws IOException {
            this.pod = pod;
            this.port = Management.freePort();
            Path variables =
                    Files.writeString(dir.resolve(pod + ".variables"), AgainstTheEmulator.variables(token, leases));
            env = AgainstTheEmulator.renewerEnv(vault.address(), variables, intervalSeconds, false);
            env.put("CAMEL_MANAGEMENT_PORT", String.valueOf(port));
        }

        Renewer start() throws IOException {
            process = open(RenewerProcess.start(env));
            prometheus.scrape(port, Map.of("namespace", NS, "pod", pod));
            return this;
        }

        /** Waits until Prometheus has scraped this process (its start time is the one Prometheus holds). */
        void awaitScraped() {
            await("a scrape of " + pod)
                    .atMost(LONG)
                    .until(() -> value("up{pod=\"" + pod + "\"}") == 1.0
                            && value("vault_renewer_cycles_total{pod=\"" + pod + "\"}") >= 1.0);
        }
    }

    /** The value of a query's only sample; NaN when it has none. */
    private double value(String promql) {
        JsonNode result = prometheus.query(promql).get("result");
        return result.isEmpty() ? Double.NaN : result.get(0).get("value").get(1).asDouble();
    }

    /**
     * Watches the alerts every 250 ms from now on, keeping each state an alert of a pod was seen in: an alert that
     * fires for a few seconds only (the end of a short lead) is seen whatever the test awaits meanwhile.
     */
    private void watchAlerts() {
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        open(watcher::shutdownNow);
        watcher.scheduleWithFixedDelay(
                () -> prometheus
                        .alerts()
                        .forEach(a -> seen.add(a.get("alertname") + " " + a.get("pod") + " " + a.get("state"))),
                0,
                250,
                TimeUnit.MILLISECONDS);
    }

    private void awaitFiring(String alert, String pod) {
        await(alert + " firing for " + pod).atMost(LONG).until(() -> seen.contains(alert + " " + pod + " firing"));
    }

    /** Neither pending nor firing now, nor ever before. */
    private void inactive(String alert, String pod) {
        assertThat(prometheus.alertState(alert, pod)).as(alert + " for " + pod).isEqualTo("inactive");
        assertThat(seen).as(alert + " for " + pod).noneMatch(s -> s.startsWith(alert + " " + pod + " "));
    }

    @Test
    void everyAlertGoesFromInactiveToFiringInItsScenarioAndEveryDashboardQueryReturnsData() throws Exception {
        String rules = Files.readString(RULES);
        assertThat(atTestSpeed(rules)).as("durations shortened").isNotEqualTo(rules);
        prometheus =
                open(PrometheusServer.start(Files.createDirectories(dir.resolve("prometheus")), atTestSpeed(rules)));
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        VaultEmulator vault = open(VaultEmulator.start());
        VaultEmulator failing = open(VaultEmulator.start());
        VaultEmulator hanging = open(VaultEmulator.start());
        KubernetesApiEmulator api = open(KubernetesApiEmulator.start(pki));

        // the eviction refused: a lease whose max TTL (21 s) the first cycle's renewal reaches, EVICT_BEFORE_EXPIRY
        // 12s, and a PodDisruptionBudget that never lets the eviction through
        api.serviceAccount(NS, "my-app");
        Path serviceAccount = dir.resolve("serviceaccount");
        api.writeServiceAccountDirectory(serviceAccount);
        api.addPod(NS, "evict-refused");
        api.refuseNext(1_000_000, Refusal.disruptionBudget("my-app"));
        Token evictToken = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        Lease capped = vault.createLease(
                evictToken, "database/creds/app", Duration.ofSeconds(20), Duration.ofSeconds(21), true);
        Renewer evict = new Renewer("evict-refused", vault, 10, evictToken, capped);
        evict.env.putAll(RenewerProcess.env(
                "EVICT_BEFORE_EXPIRY", "12s",
                "RENEWER_JITTER", "0%",
                "POD_NAME", "evict-refused",
                "POD_NAMESPACE", NS,
                "KUBERNETES_SERVICE_HOST", api.host(),
                "KUBERNETES_SERVICE_PORT_HTTPS", String.valueOf(api.port()),
                "RENEWER_SERVICE_ACCOUNT_DIR", serviceAccount.toString(),
                "RENEWER_BACKOFF_INITIAL", "500ms",
                "RENEWER_BACKOFF_MAX", "1s"));
        watchAlerts();
        evict.start().awaitScraped();
        // before: nothing fires (the secrets die in about 15 s)
        for (String alert : List.of("VaultSecretsDieBeforeEviction", "VaultEvictionOverdue", "VaultSecretLost")) {
            inactive(alert, "evict-refused");
        }

        Token failingToken = failing.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        Renewer failed = new Renewer(
                        "vault-failing",
                        failing,
                        2,
                        failingToken,
                        failing.createLease(
                                failingToken, "database/creds/app", Duration.ofHours(1), Duration.ZERO, true))
                .start();
        Token hangingToken = hanging.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        // an interval of 8 s: the alert's 1.5 intervals (12 s) are longer than a JVM's start on a loaded machine
        Renewer stuck = new Renewer("cycle-stuck", hanging, 8, hangingToken);
        stuck.env.put("RENEWER_RESPONSE_TIMEOUT", "60s");
        stuck.start();
        Renewer restarting =
                new Renewer("restarting", vault, 5, vault.createToken(TokenSpec.ttl(Duration.ofHours(1)))).start();
        for (Renewer renewer : List.of(failed, stuck, restarting)) {
            renewer.awaitScraped();
        }

        // before: nothing fires
        inactive("VaultRenewalsFailing", "vault-failing");
        inactive("VaultRenewerCycleStuck", "cycle-stuck");
        inactive("VaultRenewerRestarting", "restarting");
        inactive("VaultRenewerDown", "restarting");
        inactive("VaultSecretsDieWithoutEviction", "no-eviction");

        // the scenarios
        failing.inject("lookup", 1_000_000, new Status(503, List.of("Vault is sealed"), Map.of()));
        hanging.inject("lookup-self", 1, new Delay(Duration.ofSeconds(60)));
        for (int restart = 0; restart < 2; restart++) {
            double started = value("process_start_time_seconds{pod=\"restarting\"}");
            restarting.process.stop(Duration.ofSeconds(10));
            restarting.start();
            await("a scrape of the restarted renewer")
                    .atMost(LONG)
                    .until(() -> value("process_start_time_seconds{pod=\"restarting\"}") > started);
        }
        // a token Vault will not renew, 40 minutes from its end: the end of life within the hour, and no eviction
        Renewer noEviction = new Renewer(
                        "no-eviction",
                        vault,
                        10,
                        vault.createToken(TokenSpec.ttl(Duration.ofMinutes(40)).notRenewable()))
                .start();

        // after: each fires
        awaitFiring("VaultRenewalsFailing", "vault-failing");
        awaitFiring("VaultRenewerCycleStuck", "cycle-stuck");
        awaitFiring("VaultRenewerRestarting", "restarting");
        awaitFiring("VaultSecretsDieWithoutEviction", "no-eviction");
        awaitFiring("VaultSecretsDieBeforeEviction", "evict-refused");
        awaitFiring("VaultEvictionOverdue", "evict-refused");
        awaitFiring("VaultSecretLost", "evict-refused");
        restarting.process.stop(Duration.ofSeconds(10));
        awaitFiring("VaultRenewerDown", "restarting");
        assertThat(api.evictionRequests()).as("the renewer kept asking").hasSizeGreaterThan(1);
        assertThat(prometheus.alerts())
                .filteredOn(a -> a.get("pod").equals("no-eviction"))
                .extracting(a -> a.get("alertname"))
                .as("a renewer that keeps everything alive raises nothing else")
                .containsOnly("VaultSecretsDieWithoutEviction");
        noEviction.awaitScraped();

        // every rule evaluated without an error
        for (JsonNode group : prometheus.rules().get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                assertThat(rule.get("health").asText())
                        .as(rule.get("name").asText() + ": "
                                + rule.path("lastError").asText())
                        .isEqualTo("ok");
            }
        }

        // every dashboard query returns data, and every metric it or a rule names is in the scrape
        Set<String> named = new TreeSet<>();
        for (JsonNode group : ManifestsTest.tree(RULES).get("groups")) {
            group.get("rules")
                    .forEach(rule -> named.addAll(metricNames(rule.get("expr").asText())));
        }
        List<String> empty = new ArrayList<>();
        for (JsonNode panel : JSON.readTree(DASHBOARD.toFile()).get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.get("expr")
                        .asText()
                        .replace("$namespace", ".*")
                        .replace("$pod", ".*")
                        .replace("$__rate_interval", "15s");
                named.addAll(metricNames(expr));
                if (prometheus.query(expr).get("result").isEmpty()) {
                    empty.add(panel.get("title").asText() + ": " + expr);
                }
            }
        }
        assertThat(empty).as("dashboard queries without data").isEmpty();
        assertThat(prometheus.metricNames()).containsAll(named);
        assertThat(named).contains("vault_renewer_items_given_up", "vault_renewer_time_to_expiry_seconds", "up");
    }

    /** The metric names a PromQL expression reads: its identifiers but functions, keywords and label names. */
    static Set<String> metricNames(String promql) {
        String bare = promql.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
        Set<String> names = new TreeSet<>();
        Matcher identifier = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(bare);
        while (identifier.find()) {
            String rest = bare.substring(identifier.end()).stripLeading();
            if (!rest.startsWith("(")
                    && !NOT_METRICS.contains(identifier.group().toLowerCase(Locale.ROOT))) {
                names.add(identifier.group());
            }
        }
        return names;
    }
}
