package io.kubevaultauthrenewer.routes;

import static io.kubevaultauthrenewer.e2e.Management.get;
import static io.kubevaultauthrenewer.e2e.Management.managementPort;
import static io.kubevaultauthrenewer.e2e.Management.parsePrometheusText;
import static io.kubevaultauthrenewer.e2e.Management.status;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.e2e.Management;
import io.kubevaultauthrenewer.e2e.Management.Answer;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator.Refusal;
import io.kubevaultauthrenewer.emulator.TestPki;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EVICT_BEFORE_EXPIRY against both emulators: the renewer learns from Vault when the pod's secrets die (a max TTL, a
 * lease that cannot be renewed), and asks the Kubernetes API emulator to evict its pod within the lead time before;
 * every answer the API server gives is judged as a user would want it, and the token the kubelet rotates is read
 * again at each call.
 */
class PodEvictionRouteTest extends RouteTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "apps";
    private static final String POD = "my-app-7d9f8c6b5-x2k4q";

    @TempDir
    static Path pkiDir;

    static TestPki pki;

    KubernetesApiEmulator api;
    Path serviceAccount;

    @BeforeAll
    static void makePki() {
        pki = TestPki.create(pkiDir);
    }

    @BeforeEach
    void startApiServer() {
        api = KubernetesApiEmulator.start(pki, clock);
        api.serviceAccount(NS, "my-app");
        serviceAccount = dir.resolve("serviceaccount");
        api.writeServiceAccountDirectory(serviceAccount);
    }

    @AfterEach
    void stopApiServer() {
        api.close();
    }

    /** A renewer in a pod: the downward API's POD_NAME and POD_NAMESPACE, the kubelet's service variables. */
    private Map<String, String> podEnv(int intervalSeconds, String lead) {
        return podEnv(intervalSeconds, lead, POD);
    }

    /** The same, in the pod POD_NAME names. */
    private Map<String, String> podEnv(int intervalSeconds, String lead, String podName) {
        Map<String, String> env = renewerEnv(intervalSeconds, false);
        env.put("RENEWER_JITTER", "0%");
        env.put("EVICT_BEFORE_EXPIRY", lead);
        env.put("POD_NAME", podName);
        env.put("POD_NAMESPACE", NS);
        env.put("KUBERNETES_SERVICE_HOST", api.host());
        env.put("KUBERNETES_SERVICE_PORT_HTTPS", String.valueOf(api.port()));
        env.put("RENEWER_SERVICE_ACCOUNT_DIR", serviceAccount.toString());
        return env;
    }

    @Test
    void evictsThePodBeforeTheTokensMaxTtlThroughEveryKindOfRefusalWithTheRotatedTokenAndOnlyThenLeavesItsService()
            throws IOException {
        // the token's max TTL (18 s) caps its renewal: the pod's secrets die with it
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(60)).maxTtl(Duration.ofSeconds(18)));
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);
        api.addPod(NS, POD);
        String firstToken = api.currentToken();

        try (InProcessRenewer renewer = InProcessRenewer.start(podEnv(10, "10s"))) {
            int port = managementPort(renewer);
            // the dry run after the first cycle: the address, RBAC and admission are proven, nothing is evicted
            renewer.awaitLine("Dry-run eviction of pod apps/" + POD + " accepted", LONG);
            // then RBAC taken away, the connection cut, several budgets (HTTP 500), a stale budget
            api.refuseNext(1, Refusal.forbidden());
            api.refuseNext(1, Refusal.drop());
            api.refuseNext(1, Refusal.severalBudgetsAsHttp500());
            api.refuseNext(1, Refusal.staleDisruptionBudget("my-app", 2));
            String planned = renewer.awaitLine("Eviction of pod apps/" + POD + " planned at ", LONG);
            Instant end = vault.expiry(token);
            assertThat(planned)
                    .contains(
                            " INFO ",
                            "(Token (accessor " + token.accessor
                                    + "): its max TTL is reached); EVICT_BEFORE_EXPIRY=10s");
            JsonNode before = get(port, "/observe/health").check("pod-eviction").get("data");
            Instant moment = Instant.parse(before.get("moment").asText());
            assertThat(moment)
                    .as("within the first half of the lead time before the end at %s", end)
                    .isBetween(end.minusSeconds(11), end.minusSeconds(4));

            renewer.awaitLine("Eviction of pod apps/" + POD + " refused \\(HTTP 429", LONG);
            Answer waiting = get(port, "/observe/health/ready");
            String second = api.rotateToken(); // the kubelet rewrites the projected token; the old one is void
            renewer.awaitLine("Eviction of pod apps/" + POD + " accepted", LONG);

            // while the budget held it back, the pod stayed in its Service: its secrets were still valid
            assertThat(waiting.status()).as(waiting.body()).isEqualTo(200);
            assertThat(status(waiting, "pod-eviction")).isEqualTo("UP");
            assertThat(waiting.check("pod-eviction").get("data").get("phase").asText())
                    .isEqualTo("trying");
            assertThat(status(waiting, "vault-token"))
                    .as("the token's end is the eviction's to handle")
                    .isEqualTo("UP");

            assertThat(api.evictionRequests().get(0).query()).isEqualTo("dryRun=All");
            assertThat(api.evictionRequests().get(0).status()).isEqualTo(201);
            List<RecordedRequest> requests = evictions();
            assertThat(requests).extracting(RecordedRequest::status).containsExactly(403, 0, 500, 429, 201);
            assertThat(requests.get(0).at()).isAfterOrEqualTo(moment.minusMillis(50));
            assertThat(requests.get(4).at()).isBefore(end);
            for (RecordedRequest request : requests) {
                assertThat(request.method()).isEqualTo("POST");
                assertThat(request.path()).isEqualTo("/api/v1/namespaces/apps/pods/" + POD + "/eviction");
                assertThat(request.header("content-type")).startsWith("application/json");
                JsonNode body = JSON.readTree(request.body());
                assertThat(body.get("apiVersion").asText()).isEqualTo("policy/v1");
                assertThat(body.get("kind").asText()).isEqualTo("Eviction");
                assertThat(body.get("metadata").get("name").asText()).isEqualTo(POD);
                assertThat(body.get("metadata").get("namespace").asText()).isEqualTo(NS);
                assertThat(request.header("x-vault-token")).isNull();
            }
            assertThat(api.evictionRequests().subList(0, 5))
                    .allSatisfy(r -> assertThat(r.bearerToken()).isEqualTo(firstToken));
            assertThat(requests.get(4).bearerToken())
                    .as("read again from the file")
                    .isEqualTo(second);
            assertThat(api.evictions())
                    .singleElement()
                    .satisfies(e -> assertThat(e.name()).isEqualTo(POD));
            assertThat(api.hasPod(NS, POD)).as("terminating").isFalse();
            // Retry-After: 2 is honoured unless it would land past the last try before the end (about a second
            // before it, Vault's TTL read to the second): then that last try comes instead. Which of the two depends
            // on the random moment within the lead, so the bound is the sooner of them.
            Duration untilLastTry = Duration.between(requests.get(3).at(), end).minusMillis(2050);
            Duration retryAfter = Duration.ofMillis(1950);
            Duration least = untilLastTry.compareTo(retryAfter) < 0
                    ? (untilLastTry.isNegative() ? Duration.ZERO : untilLastTry)
                    : retryAfter;
            assertThat(Duration.between(requests.get(3).at(), requests.get(4).at()))
                    .as("Retry-After: 2, or the last try before the end at %s when that comes sooner", end)
                    .isGreaterThanOrEqualTo(least);

            assertThat(renewer.linesWith(" refused (HTTP 403: pods \"" + POD + "\" is forbidden"))
                    .singleElement()
                    .asString()
                    .contains(" ERROR ", "cannot create resource \"pods/eviction\"")
                    .contains("needs a Role with verbs [create] on resources [pods/eviction]");
            assertThat(renewer.linesWith(" refused (no answer: "))
                    .singleElement()
                    .asString()
                    .contains(" WARN ");
            assertThat(renewer.linesWith(" refused (HTTP 500: This pod has more than one"))
                    .singleElement()
                    .asString()
                    .contains(" ERROR ", "leave one PodDisruptionBudget selecting the pod");
            assertThat(renewer.linesWith(" refused (HTTP 429: Cannot evict pod as it would violate the pod's"
                            + " disruption budget. (The disruption budget my-app is still being processed by the"
                            + " server.)"))
                    .singleElement()
                    .asString()
                    .contains(" WARN ");
            assertThat(renewer.linesWith("Eviction of pod apps/" + POD + " accepted (HTTP 201)"))
                    .singleElement()
                    .asString()
                    .contains(" INFO ", "its controller starts a new pod");

            Answer ready = get(port, "/observe/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.check("pod-eviction").get("data").get("reason").asText())
                    .startsWith("the pod is being evicted (HTTP 201)");
            Map<String, Double> series =
                    parsePrometheusText(get(port, "/observe/metrics").body());
            assertThat(series)
                    .containsEntry("vault_renewer_eviction_requests_total", 5.0)
                    // the answers by status, as the dashboard shows them: the dry run's 201, the four refusals above,
                    // the 201
                    .containsEntry("vault_renewer_eviction_responses_total{status=\"403\"}", 1.0)
                    .containsEntry("vault_renewer_eviction_responses_total{status=\"0\"}", 1.0)
                    .containsEntry("vault_renewer_eviction_responses_total{status=\"500\"}", 1.0)
                    .containsEntry("vault_renewer_eviction_responses_total{status=\"429\"}", 1.0)
                    .containsEntry("vault_renewer_eviction_responses_total{status=\"201\"}", 2.0)
                    .containsEntry("vault_renewer_evict_before_expiry_seconds", 10.0)
                    .containsEntry("vault_renewer_eviction_phase{phase=\"evicted\"}", 1.0)
                    .containsEntry("vault_renewer_eviction_phase{phase=\"trying\"}", 0.0)
                    .containsEntry("vault_renewer_eviction_overdue", 0.0);
            assertThat(series.get("vault_renewer_eviction_timestamp_seconds"))
                    .isCloseTo(moment.toEpochMilli() / 1000.0, org.assertj.core.data.Offset.offset(0.01));
            assertThat(Management.get(port, "/observe/health/live").status()).isEqualTo(200);

            List<String> seen = new ArrayList<>(List.of(renewer.output(), ready.body(), waiting.body()));
            seen.add(get(port, "/observe/health").body());
            seen.add(get(port, "/observe/metrics").body());
            assertThat(String.join("\n", seen)).doesNotContain(token.id, APP_SECRET, firstToken, second);
            assertThat(vault.requests())
                    .as("Vault never sees the service account's token")
                    .allSatisfy(r -> assertThat(r.headers().toString()).doesNotContain(firstToken, second));
        }
    }

    @Test
    void keepsAskingAfterTheSecretsDieWhileTheBudgetBlocksSaysSoAtErrorAndLeavesItsService() throws IOException {
        Token token = token(3600);
        // its max TTL (14 s: the renewer takes about 5 of them to start) caps the renewal: the lease, and with it the
        // pod's secrets, die then
        Lease capped =
                vault.createLease(token, "database/creds/app", Duration.ofSeconds(60), Duration.ofSeconds(14), true);
        writeVariables(token, capped);
        api.addPod(NS, POD);
        api.refuseNext(1000, Refusal.disruptionBudget("my-app")); // no Retry-After: the budget allows no disruption
        Map<String, String> env = podEnv(5, "4s");
        env.put("RENEWER_BACKOFF_INITIAL", "500ms");
        env.put("RENEWER_BACKOFF_MAX", "1s");

        try (InProcessRenewer renewer = InProcessRenewer.start(env)) {
            int port = managementPort(renewer);
            renewer.awaitLine("Eviction of pod apps/" + POD + " refused \\(HTTP 429", LONG);
            Answer blocked = get(port, "/observe/health/ready");
            String died = renewer.awaitLine("The pod's secrets died at ", LONG);
            Instant end = vault.expiry(capped);
            int triesAtTheEnd = api.evictionRequests().size();
            renewer.awaitUntil(() -> api.evictionRequests().size() > triesAtTheEnd, LONG);
            Answer overdue = get(port, "/observe/health/ready");
            Map<String, Double> overdueSeries =
                    parsePrometheusText(get(port, "/observe/metrics").body());
            api.clearRefusals(); // a replacement elsewhere became ready: the budget allows one disruption
            renewer.awaitLine("Eviction of pod apps/" + POD + " accepted", LONG);

            assertThat(status(blocked, "pod-eviction")).as(blocked.body()).isEqualTo("UP");
            assertThat(status(blocked, "vault-leases"))
                    .as("valid until the end")
                    .isEqualTo("UP");
            assertThat(died)
                    .contains(" ERROR ", "(Lease " + capped.id + ": its max TTL is reached)")
                    .contains("pod apps/" + POD + " is still here", "HTTP 429", "keeps asking");
            assertThat(evictions().stream().filter(r -> !r.at().isBefore(end)).filter(r -> r.status() == 429))
                    .as("asked again after the end")
                    .isNotEmpty();
            assertThat(overdue.status()).isEqualTo(503);
            assertThat(overdue.check("pod-eviction").get("data").get("reason").asText())
                    .startsWith("the pod's secrets died at ")
                    .contains("its eviction is not accepted yet: HTTP 429");
            assertThat(overdue.check("pod-eviction").get("data").get("overdue").asBoolean())
                    .isTrue();
            assertThat(overdueSeries)
                    .containsEntry("vault_renewer_eviction_overdue", 1.0)
                    .containsEntry("vault_renewer_eviction_phase{phase=\"trying\"}", 1.0);
            List<RecordedRequest> requests = evictions();
            for (int i = 1; i < requests.size(); i++) {
                assertThat(Duration.between(
                                requests.get(i - 1).at(), requests.get(i).at()))
                        .as("never two tries closer than 250 ms")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(240));
            }
            assertThat(requests.get(requests.size() - 1).status()).isEqualTo(201);
            assertThat(api.hasPod(NS, POD)).isFalse();
            assertThat(parsePrometheusText(get(port, "/observe/metrics").body()))
                    .containsEntry("vault_renewer_eviction_overdue", 0.0)
                    .containsEntry("vault_renewer_eviction_phase{phase=\"evicted\"}", 1.0);
            assertThat(renewer.isAlive())
                    .as("the renewer stays until the pod goes")
                    .isTrue();
            assertThat(renewer.output()).doesNotContain(token.id, APP_SECRET, api.currentToken());
        }
    }

    /**
     * A pod already terminating (a rollout, a drain) answers its eviction 201, as eviction.go does for a pod with a
     * deletionTimestamp: done, and out of its Service. (A 404 is a wrong address, never "already gone":
     * takesA404ForAWrongAddressKeepsAskingAndStaysReady.)
     */
    @Test
    void takesTheEvictionOfAPodAlreadyTerminatingForDone() throws IOException {
        Token token = token(3600);
        Lease fixed = vault.createLease(token, "database/creds/app", Duration.ofSeconds(20), Duration.ZERO, false);
        writeVariables(token, fixed);
        api.addPod(NS, POD);
        api.markTerminating(NS, POD);

        try (InProcessRenewer renewer = InProcessRenewer.start(podEnv(60, "30s"))) {
            int port = managementPort(renewer);
            assertThat(renewer.awaitLine("Eviction of pod apps/" + POD + " planned at ", LONG))
                    .contains("(Lease " + fixed.id + ": not renewable)");
            assertThat(renewer.awaitLine("Eviction of pod apps/" + POD + " accepted", LONG))
                    .contains(" INFO ", "(HTTP 201)");

            assertThat(evictions()).extracting(RecordedRequest::status).containsExactly(201);
            renewer.awaitUntil(() -> get(port, "/observe/health/ready").status() == 503, LONG);
            assertThat(status(get(port, "/observe/health/ready"), "pod-eviction"))
                    .isEqualTo("DOWN");
        }
    }

    /** One dryRun=All eviction after the first cycle proves the address, RBAC and admission, and evicts nothing. */
    @Test
    void provesTheAddressRbacAndAdmissionWithOneDryRunAtStartUp() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        writeVariables(token);
        api.addPod(NS, POD);

        try (InProcessRenewer renewer = InProcessRenewer.start(podEnv(1, "10s"))) {
            renewer.awaitLines(
                    " INFO PodEviction - Dry-run eviction of pod apps/" + POD + " accepted \\(HTTP 201\\):"
                            + " the address, RBAC and admission let this pod evict itself",
                    1);
            renewer.awaitLines("Cycle done", 3);

            assertThat(api.evictionRequests())
                    .singleElement()
                    .extracting(RecordedRequest::query)
                    .isEqualTo("dryRun=All");
            assertThat(api.evictions()).isEmpty();
            assertThat(api.hasPod(NS, POD)).isTrue();
            assertThat(renewer.linesMatching(" ERROR ")).isEmpty();
        }
    }

    /** A dry run refused names the fix; the renewal goes on all the same. */
    @Test
    void namesTheFixWhenTheDryRunIsRefusedAndGoesOnRenewing() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        writeVariables(token);
        api.addPod(NS, POD);
        api.refuseNext(1, Refusal.forbidden());

        try (InProcessRenewer renewer = InProcessRenewer.start(podEnv(1, "10s"))) {
            renewer.awaitLines("Dry-run eviction", 1);
            int cycles = renewer.linesWith("Cycle done").size();
            renewer.awaitLines("Cycle done", cycles + 2);

            assertThat(renewer.linesWith("Dry-run eviction"))
                    .singleElement()
                    .asString()
                    .contains(" ERROR PodEviction - Dry-run eviction of pod apps/" + POD + " refused (HTTP 403: pods"
                            + " \"" + POD + "\" is forbidden: User \"system:serviceaccount:apps:my-app\" cannot create"
                            + " resource \"pods/eviction\"")
                    .contains("the service account needs a Role with verbs [create] on resources [pods/eviction]")
                    .endsWith("the pod could not evict itself when its secrets near their end; the renewal goes on");
        }
    }

    /**
     * A 404 is a wrong POD_NAME or POD_NAMESPACE, never a pod already gone: the renewer names the settings, stays in
     * its Service while its secrets live, and keeps asking.
     */
    @Test
    void takesA404ForAWrongAddressKeepsAskingAndStaysReady() throws Exception {
        // the token's max TTL (40 s) caps its renewal: its eviction is due at once with a 60 s lead
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofSeconds(60)).maxTtl(Duration.ofSeconds(40)));
        writeVariables(token);
        api.addPod(NS, POD);

        try (InProcessRenewer renewer = InProcessRenewer.start(podEnv(30, "60s", "my-app-wrong-name"))) {
            renewer.awaitUntil(() -> api.evictionRequests().stream()
                            .filter(r -> r.query() == null)
                            .count()
                    >= 2);
            int port = Management.managementPort(renewer.linesWith("Health at").get(0));

            assertThat(renewer.linesWith("Eviction of pod apps/my-app-wrong-name refused"))
                    .as(renewer.log())
                    .isNotEmpty()
                    .allSatisfy(line -> assertThat(line)
                            .contains(
                                    " ERROR PodEviction - Eviction of pod apps/my-app-wrong-name refused (HTTP 404:"
                                            + " pods \"my-app-wrong-name\" not found: no pod apps/my-app-wrong-name at https://")
                            .contains("POD_NAME and POD_NAMESPACE must name this pod"));
            assertThat(renewer.linesMatching("not needed|already being deleted"))
                    .isEmpty();
            Management.Answer ready = Management.get(port, "/observe/health/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(200);
            assertThat(Management.status(ready, "pod-eviction")).isEqualTo("UP");
            assertThat(api.hasPod(NS, POD)).isTrue();
            assertThat(api.evictions()).isEmpty();
        }
    }

    /** The eviction requests but the dry run at start-up. */
    private List<RecordedRequest> evictions() {
        return api.evictionRequests().stream().filter(r -> r.query() == null).toList();
    }
}
