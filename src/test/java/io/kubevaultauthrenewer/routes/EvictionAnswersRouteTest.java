package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.e2e.Management;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator.Refusal;
import io.kubevaultauthrenewer.emulator.TestPki;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EVICT_BEFORE_EXPIRY reads the API server's answers as kube-apiserver means them (issue: answer as the API server
 * answers): the real routes and beans in this JVM against the Vault and Kubernetes API emulators.
 */
class EvictionAnswersRouteTest extends RouteTestSupport {

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

    /** A renewer in pod {@code podName}: the downward API's POD_NAME and POD_NAMESPACE, the kubelet's variables. */
    private Map<String, String> podEnv(int intervalSeconds, String lead, String podName) {
        return renewerEnv(
                intervalSeconds,
                false,
                "RENEWER_JITTER",
                "0%",
                "EVICT_BEFORE_EXPIRY",
                lead,
                "POD_NAME",
                podName,
                "POD_NAMESPACE",
                NS,
                "KUBERNETES_SERVICE_HOST",
                api.host(),
                "KUBERNETES_SERVICE_PORT_HTTPS",
                String.valueOf(api.port()),
                "RENEWER_SERVICE_ACCOUNT_DIR",
                serviceAccount.toString());
    }

    /** One dryRun=All eviction after the first cycle proves the address, RBAC and admission, and evicts nothing. */
    @Test
    void provesTheAddressRbacAndAdmissionWithOneDryRunAtStartUp() throws Exception {
        Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(1)));
        writeVariables(token);
        api.addPod(NS, POD);

        try (InProcessRenewer renewer = InProcessRenewer.start(podEnv(1, "10s", POD))) {
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

        try (InProcessRenewer renewer = InProcessRenewer.start(podEnv(1, "10s", POD))) {
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
}
