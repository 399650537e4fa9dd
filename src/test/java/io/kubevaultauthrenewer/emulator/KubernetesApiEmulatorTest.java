package io.kubevaultauthrenewer.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesApiEmulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "apps";
    private static final String POD = "renewer-7d9f8-abcde";

    @TempDir
    static Path pkiDir;

    static TestPki pki;
    static HttpClient client;

    @TempDir
    Path dir;

    private ShiftableClock clock;
    private KubernetesApiEmulator api;
    private String token;

    @BeforeAll
    static void makePki() throws Exception {
        pki = TestPki.create(pkiDir);
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(pki.caPem)) {
            trusted.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        client = HttpClient.newBuilder()
                .sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @BeforeEach
    void start() {
        clock = ShiftableClock.frozen();
        api = KubernetesApiEmulator.start(pki, clock);
        api.serviceAccount(NS, "kube-vault-auth-renewer");
        api.addPod(NS, POD);
        token = api.issueToken();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    // ---------------------------------------------------------------------------------------------- evictions

    @Test
    void evictsAKnownPodWith201AndASuccessStatus() throws Exception {
        HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response))
                .isEqualTo(
                        JSON.readTree(
                                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}"));
        assertThat(api.hasPod(NS, POD)).isFalse();
        assertThat(api.evictions()).singleElement().satisfies(e -> {
            assertThat(e.namespace()).isEqualTo(NS);
            assertThat(e.name()).isEqualTo(POD);
            assertThat(e.at()).isEqualTo(clock.instant());
        });
    }

    @Test
    void keepsTheGracePeriodOfTheDeleteOptions() throws Exception {
        String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + POD
                + "\",\"namespace\":\"" + NS + "\"},\"deleteOptions\":{\"gracePeriodSeconds\":30}}";

        assertThat(evict(POD, body, token).statusCode()).isEqualTo(201);
        assertThat(api.evictions().get(0).gracePeriodSeconds()).isEqualTo(30L);
    }

    @Test
    void startsAGracefulDeletionWithThePodsGracePeriodAndAcceptsASecondEvictionOfTheTerminatingPod() throws Exception {
        assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(201);

        // pod strategy.go CheckGracefulDelete: the pod's 30 s; eviction.go canIgnorePDB: a terminating pod is deleted
        // again without its budget, 201
        assertThat(api.deletionTimestamp(NS, POD)).isEqualTo(clock.instant().plusSeconds(30));
        assertThat(api.podExists(NS, POD)).isTrue();
        HttpResponse<String> again = evict(POD, evictionBody(POD, NS), token);

        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(json(again).get("status").asText()).isEqualTo("Success");
        assertThat(api.evictions()).hasSize(1);
        api.deletePod(NS, POD); // the kubelet's final delete
        assertNotFound(json(evict(POD, evictionBody(POD, NS), token)), POD);
    }

    @Test
    void deletesThePodAtOnceWithAGracePeriodOfZero() throws Exception {
        String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + POD
                + "\",\"namespace\":\"" + NS + "\"},\"deleteOptions\":{\"gracePeriodSeconds\":0}}";

        assertThat(evict(POD, body, token).statusCode()).isEqualTo(201);
        assertThat(api.podExists(NS, POD)).isFalse();
    }

    @Test
    void answersNotFoundForAnUnknownPod() throws Exception {
        HttpResponse<String> response = evict("ghost", evictionBody("ghost", NS), token);

        assertThat(response.statusCode()).isEqualTo(404);
        assertNotFound(json(response), "ghost");
    }

    @Test
    void refusesABodyWhoseNameDiffersFromTheUrl() throws Exception {
        HttpResponse<String> response = evict(POD, evictionBody("someone-else", NS), token);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode status = json(response);
        assertFailure(status, 400, "BadRequest");
        assertThat(status.get("message").asText()).isEqualTo("name in URL does not match name in Eviction object");
        assertThat(api.hasPod(NS, POD)).isTrue();
    }

    @Test
    void refusesABodyThatIsNotAnEviction() throws Exception {
        String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + POD + "\"}}";
        for (String body : List.of(pod, "not json", "[]")) {
            HttpResponse<String> response = evict(POD, body, token);

            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertFailure(json(response), 400, "BadRequest");
        }
        assertThat(api.hasPod(NS, POD)).isTrue();
    }

    @Test
    void answersTooManyRequestsWithoutRetryAfterWhileTheBudgetAllowsNoDisruption() throws Exception {
        api.refuseNext(2, Refusal.disruptionBudget("renewer-pdb"));

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(response.headers().firstValue("Retry-After")).isEmpty();
            JsonNode status = json(response);
            assertFailure(status, 429, "TooManyRequests");
            assertThat(status.get("message").asText())
                    .isEqualTo("Cannot evict pod as it would violate the pod's disruption budget.");
            assertThat(status.get("details").has("retryAfterSeconds")).isFalse();
            assertThat(status.at("/details/causes/0/reason").asText()).isEqualTo("DisruptionBudget");
            assertThat(status.at("/details/causes/0/message").asText())
                    .isEqualTo("The disruption budget renewer-pdb needs 1 healthy pods and has 1 currently");
            assertThat(api.hasPod(NS, POD)).isTrue();
        }

        assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(201);
    }

    @Test
    void answersTooManyRequestsWithRetryAfterWhenTheBudgetIsStale() throws Exception {
        api.refuseNext(1, Refusal.staleDisruptionBudget("renewer-pdb", 10));

        HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("10");
        assertThat(json(response).at("/details/retryAfterSeconds").asInt()).isEqualTo(10);
    }

    @Test
    void answersForbiddenNamingTheCallersServiceAccount() throws Exception {
        api.refuseNext(1, Refusal.forbidden());

        HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

        assertThat(response.statusCode()).isEqualTo(403);
        JsonNode status = json(response);
        assertFailure(status, 403, "Forbidden");
        assertThat(status.get("message").asText())
                .isEqualTo(
                        "pods \"" + POD + "\" is forbidden: User \"system:serviceaccount:apps:kube-vault-auth-renewer\""
                                + " cannot create resource \"pods/eviction\" in API group \"\" in the namespace \"apps\"");
        assertThat(status.at("/details/name").asText()).isEqualTo(POD);
        assertThat(status.at("/details/kind").asText()).isEqualTo("pods");
        assertThat(api.hasPod(NS, POD)).isTrue();
    }

    @Test
    void answersAFailureWithCode500UnderA2xxStatusLineWhenSeveralBudgetsMatch() throws Exception {
        api.refuseNext(1, Refusal.severalBudgets());

        HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode status = json(response);
        assertThat(status.get("status").asText()).isEqualTo("Failure");
        assertThat(status.get("code").asInt()).isEqualTo(500);
        assertThat(status.get("message").asText())
                .isEqualTo("This pod has more than one PodDisruptionBudget, which the eviction subresource does not"
                        + " support.");
        assertThat(api.hasPod(NS, POD)).isTrue();
        assertThat(api.evictions()).isEmpty();
    }

    @Test
    void answersAPlain500WhenSeveralBudgetsMatchIfAskedTo() throws Exception {
        api.refuseNext(1, Refusal.severalBudgetsAsHttp500());

        HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(json(response).get("code").asInt()).isEqualTo(500);
        assertThat(api.hasPod(NS, POD)).isTrue();
    }

    @Test
    void dropsTheConnectionWithoutAnAnswer() {
        api.refuseNext(1, Refusal.drop());

        assertThatThrownBy(() -> evict(POD, evictionBody(POD, NS), token)).isInstanceOf(IOException.class);

        assertThat(api.hasPod(NS, POD)).isTrue();
        assertThat(api.requests())
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isZero());
    }

    @Test
    void evictsNothingOnADryRun() throws Exception {
        HttpResponse<String> response = send(dryRun());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(json(response).get("status").asText()).isEqualTo("Success");
        assertThat(api.hasPod(NS, POD)).isTrue();
        assertThat(api.evictions()).isEmpty();
        assertThat(api.requests().get(0).query()).isEqualTo("dryRun=All");
    }

    @Test
    void answersNotFoundStatusForAnyOtherPathAndMethodNotAllowedForAGetOfTheEviction() throws Exception {
        HttpResponse<String> other =
                send(HttpRequest.newBuilder(URI.create(api.address() + "/api/v1/namespaces/apps/pods"))
                        .header("Authorization", "Bearer " + token));
        assertThat(other.statusCode()).isEqualTo(404);
        assertFailure(json(other), 404, "NotFound");

        HttpResponse<String> get =
                send(HttpRequest.newBuilder(evictionUri(POD, "")).header("Authorization", "Bearer " + token));
        assertThat(get.statusCode()).isEqualTo(405);
        assertFailure(json(get), 405, "MethodNotAllowed");
    }

    @Test
    void startsThePodsDeletionOnceWhenManyAskAtTheSameTimeAndAnswersEach201() {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(client.sendAsync(
                    request(POD, evictionBody(POD, NS), token).build(), HttpResponse.BodyHandlers.ofString()));
        }

        List<Integer> statuses =
                calls.stream().map(c -> c.join().statusCode()).sorted().toList();

        // the first starts the graceful deletion; the others find a terminating pod (eviction.go canIgnorePDB)
        assertThat(statuses).containsOnly(201).hasSize(10);
        assertThat(api.evictions()).hasSize(1);
    }

    // ---------------------------------------------------------------------------------------------- tokens, TLS

    @Test
    void answersUnauthorizedToATokenItDidNotIssueAndWithoutATokenWhenAnonymousAuthIsOff() throws Exception {
        JsonNode unauthorized = JSON.readTree("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
        api.anonymousAuth(false);

        HttpResponse<String> none = send(HttpRequest.newBuilder(evictionUri(POD, ""))
                .POST(HttpRequest.BodyPublishers.ofString(evictionBody(POD, NS))));
        HttpResponse<String> wrong = evict(POD, evictionBody(POD, NS), token + "x");

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none)).isEqualTo(unauthorized);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong)).isEqualTo(unauthorized);
        assertThat(api.hasPod(NS, POD)).isTrue();
    }

    @Test
    void takesARequestWithoutATokenForSystemAnonymousWhomRbacForbidsTheEviction() throws Exception {
        HttpResponse<String> none = send(HttpRequest.newBuilder(evictionUri(POD, ""))
                .POST(HttpRequest.BodyPublishers.ofString(evictionBody(POD, NS))));

        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(json(none).get("message").asText())
                .isEqualTo("pods \"" + POD + "\" is forbidden: User \"system:anonymous\" cannot create resource"
                        + " \"pods/eviction\" in API group \"\" in the namespace \"apps\"");
        assertThat(api.hasPod(NS, POD)).isTrue();
    }

    @Test
    void issuesJwtShapedTokensForTheServiceAccount() throws Exception {
        String[] parts = token.split("\\.");

        assertThat(parts).hasSize(3);
        JsonNode claims = JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
        assertThat(claims.get("sub").asText()).isEqualTo("system:serviceaccount:apps:kube-vault-auth-renewer");
        assertThat(api.issueToken()).isNotEqualTo(token);
    }

    @Test
    void refusesTheOldTokenAtOnceAfterARotationAndRecordsTheTokenUsed() throws Exception {
        Path tokenFile = dir.resolve("token");
        api.writeTokenFile(tokenFile);
        String old = Files.readString(tokenFile);

        String fresh = api.rotateToken();

        assertThat(Files.readString(tokenFile)).isEqualTo(fresh).isNotEqualTo(old);
        assertThat(evict(POD, evictionBody(POD, NS), old).statusCode()).isEqualTo(401);
        assertThat(evict(POD, evictionBody(POD, NS), fresh).statusCode()).isEqualTo(201);
        assertThat(api.tokensUsed()).containsExactly(old, fresh);
        assertThat(api.evictionRequests().get(1).bearerToken()).isEqualTo(fresh);
    }

    @Test
    void keepsTheOldTokenValidForTheOverlapOfARotation() throws Exception {
        String old = token;
        api.rotateToken(Duration.ofMinutes(1));

        assertThat(evict("ghost", evictionBody("ghost", NS), old).statusCode()).isEqualTo(404);

        clock.advance(Duration.ofMinutes(1));
        assertThat(evict("ghost", evictionBody("ghost", NS), old).statusCode()).isEqualTo(401);
        assertThat(evict("ghost", evictionBody("ghost", NS), api.currentToken()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void refusesARevokedToken() throws Exception {
        api.revokeToken(token);

        assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(401);
    }

    @Test
    void failsTheHandshakeOfAClientThatDoesNotTrustTheTestCa() {
        HttpClient untrusting = HttpClient.newHttpClient();

        assertThatThrownBy(() -> untrusting.send(
                        request(POD, evictionBody(POD, NS), token).build(), HttpResponse.BodyHandlers.ofString()))
                .satisfies(e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void writesAServiceAccountDirectoryAsAPodSeesIt() throws Exception {
        Path sa = dir.resolve("serviceaccount");

        api.writeServiceAccountDirectory(sa);

        assertThat(Files.readString(sa.resolve("ca.crt")))
                .startsWith("-----BEGIN CERTIFICATE-----")
                .isEqualTo(api.caCertificatePem());
        assertThat(Files.readString(sa.resolve("namespace"))).isEqualTo(NS);
        assertThat(Files.readString(sa.resolve("token"))).isEqualTo(api.currentToken());
        String fresh = api.rotateToken();
        assertThat(Files.readString(sa.resolve("token"))).isEqualTo(fresh);
        assertThat(api.address()).isEqualTo("https://localhost:" + api.port());
    }

    // ---------------------------------------------------------------------------------------------- request log

    @Test
    void recordsEachRequestAndMasksTheTokenWhenPrinted() throws Exception {
        evict(POD, evictionBody(POD, NS), token);

        KubernetesApiEmulator.RecordedRequest request = api.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v1/namespaces/apps/pods/" + POD + "/eviction");
        assertThat(request.query()).isNull();
        assertThat(request.headers()).containsKeys("authorization", "content-type");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.body()).isEqualTo(evictionBody(POD, NS));
        assertThat(request.status()).isEqualTo(201);
        assertThat(request.at()).isEqualTo(clock.instant());
        assertThat(request.bearerToken()).isEqualTo(token);
        assertThat(request.toString()).doesNotContain(token).contains("Bearer ****");
    }

    // ---------------------------------------------------------------------------------------------- order of checks

    /** config.go DefaultBuildHandlerChain, create.go createHandler, eviction.go EvictionREST.Create: first one wins. */
    @Nested
    class OrderOfChecks {

        @Test
        void answersTheShutdown429BeforeLookingAtTheToken() throws Exception {
            api.refuseNext(1, Refusal.shuttingDown());

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), "not-a-token");

            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(response.body()).isEqualTo("The apiserver is shutting down, please try again later.\n");
        }

        @Test
        void answersUnauthorizedBeforePriorityAndFairnessAndRbac() throws Exception {
            api.refuseNext(1, Refusal.priorityAndFairness(3));

            assertThat(evict(POD, evictionBody(POD, NS), "not-a-token").statusCode())
                    .isEqualTo(401);
            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode())
                    .as("the refusal waited for an authenticated request")
                    .isEqualTo(429);
        }

        @Test
        void answersPriorityAndFairnessBeforeRbac() throws Exception {
            api.refuseNext(1, Refusal.forbidden());
            api.refuseNext(1, Refusal.priorityAndFairness(3));

            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(403);
            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(429);
            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(201);
        }

        @Test
        void answersRbacBeforeAdmissionAndAdmissionBeforeThePodLookup() throws Exception {
            api.refuseNext(1, Refusal.forbidden());
            api.refuseNext(1, Refusal.admissionWebhook("evictions.example.com", 403, "not now"));

            assertThat(evict("ghost", evictionBody("ghost", NS), token).statusCode())
                    .isEqualTo(403);
            HttpResponse<String> admission = evict("ghost", evictionBody("ghost", NS), token);
            assertThat(admission.statusCode()).isEqualTo(403);
            assertThat(json(admission).get("message").asText()).startsWith("admission webhook");
            assertThat(evict("ghost", evictionBody("ghost", NS), token).statusCode())
                    .isEqualTo(404);
        }

        @Test
        void answersATerminatingNamespaceBeforeTheNameCheckAndTheNameCheckBeforeAPolicy() throws Exception {
            api.refuseNext(1, Refusal.namespaceTerminating());
            api.refuseNext(1, Refusal.admissionPolicy("own-pod", "own-pod-binding", "only its own pod"));
            String otherName = evictionBody("someone-else", NS);

            HttpResponse<String> namespace = evict(POD, otherName, token);
            HttpResponse<String> name = evict(POD, otherName, token);
            HttpResponse<String> policy = evict(POD, evictionBody(POD, NS), token);

            assertThat(namespace.statusCode()).isEqualTo(403);
            assertThat(json(namespace).get("message").asText()).contains("because it is being terminated");
            assertThat(name.statusCode()).isEqualTo(400);
            assertThat(policy.statusCode()).isEqualTo(403);
            assertThat(json(policy).get("message").asText()).contains("ValidatingAdmissionPolicy 'own-pod'");
        }

        @Test
        void answersNotFoundBeforeTheBudgetWhoseRefusalWaitsForAPodThatExists() throws Exception {
            api.refuseNext(1, Refusal.disruptionBudget("renewer-pdb"));

            assertThat(evict("ghost", evictionBody("ghost", NS), token).statusCode())
                    .isEqualTo(404);
            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(429);
        }

        @Test
        void evictsATerminatingPodWith201WithoutAskingItsBudget() throws Exception {
            PodDisruptionBudget budget =
                    api.addDisruptionBudget(NS, "renewer-pdb").selecting(POD).disruptionsAllowed(0);
            api.markTerminating(NS, POD);
            Instant deletion = api.deletionTimestamp(NS, POD);

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(json(response))
                    .isEqualTo(JSON.readTree("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                            + "\"status\":\"Success\",\"code\":201}"));
            assertThat(budget.disruptionsAllowed()).isZero();
            assertThat(api.deletionTimestamp(NS, POD)).isEqualTo(deletion);
            assertThat(api.evictions()).as("its deletion had begun already").isEmpty();
        }

        @Test
        void evictsAPendingSucceededOrFailedPodAtOnceWithoutAskingItsBudget() throws Exception {
            for (String phase : List.of("Pending", "Succeeded", "Failed")) {
                String pod = phase.toLowerCase(java.util.Locale.ROOT) + "-pod";
                api.addPod(NS, pod);
                api.podPhase(NS, pod, phase);
                api.addDisruptionBudget(NS, pod + "-pdb").selecting(pod).disruptionsAllowed(0);

                assertThat(evict(pod, evictionBody(pod, NS), token).statusCode())
                        .as(phase)
                        .isEqualTo(201);
                assertThat(api.podExists(NS, pod)).as(phase).isFalse();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- pods, tokens

    @Nested
    class PodBoundTokens {

        @Test
        void givesEachPodAUidAndAPodAddedAgainUnderTheSameNameANewOne() {
            String first = api.podUid(NS, POD);
            String second = api.addPod(NS, POD);

            assertThat(first).isNotBlank();
            assertThat(second).isNotEqualTo(first).isEqualTo(api.podUid(NS, POD));
        }

        @Test
        void putsThePodsNameAndUidIntoTheClaimsOfABoundToken() throws Exception {
            String bound = api.issueTokenBoundTo(NS, POD);

            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(bound.split("\\.")[1]));
            assertThat(claims.at("/kubernetes.io/pod/name").asText()).isEqualTo(POD);
            assertThat(claims.at("/kubernetes.io/pod/uid").asText()).isEqualTo(api.podUid(NS, POD));
            assertThat(claims.at("/kubernetes.io/serviceaccount/name").asText()).isEqualTo("kube-vault-auth-renewer");
            assertThat(claims.get("sub").asText()).isEqualTo("system:serviceaccount:apps:kube-vault-auth-renewer");
            assertThat(api.currentToken()).isEqualTo(bound);
        }

        @Test
        void refusesABoundTokenOnceItsPodIsGoneOrReplacedByAnotherUid() throws Exception {
            String bound = api.issueTokenBoundTo(NS, POD);
            assertThat(evict("ghost", evictionBody("ghost", NS), bound).statusCode())
                    .isEqualTo(404);

            api.deletePod(NS, POD);
            assertThat(evict("ghost", evictionBody("ghost", NS), bound).statusCode())
                    .isEqualTo(401);

            api.addPod(NS, POD); // a StatefulSet's pod comes back with the same name and a new uid
            assertThat(evict("ghost", evictionBody("ghost", NS), bound).statusCode())
                    .isEqualTo(401);
        }

        @Test
        void keepsABoundTokenValidWhileItsPodTerminatesUntilAMinuteAfterTheDeletionTimestamp() throws Exception {
            String bound = api.issueTokenBoundTo(NS, POD);
            assertThat(evict(POD, evictionBody(POD, NS), bound).statusCode()).isEqualTo(201);

            clock.advance(Duration.ofSeconds(30 + 60)); // the 30 s grace period, then claims.go's leeway
            assertThat(evict(POD, evictionBody(POD, NS), bound).statusCode()).isEqualTo(201);

            clock.advance(Duration.ofMillis(1));
            assertThat(evict(POD, evictionBody(POD, NS), bound).statusCode()).isEqualTo(401);
        }

        @Test
        void rotatesABoundTokenIntoOneBoundToTheSamePod() throws Exception {
            api.issueTokenBoundTo(NS, POD);

            String fresh = api.rotateToken();

            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(fresh.split("\\.")[1]));
            assertThat(claims.at("/kubernetes.io/pod/name").asText()).isEqualTo(POD);
            api.deletePod(NS, POD);
            assertThat(evict("ghost", evictionBody("ghost", NS), fresh).statusCode())
                    .isEqualTo(401);
        }

        @Test
        void refusesATokenOnceAMinutePastItsExpiry() throws Exception {
            clock.advance(Duration.ofHours(1).plusSeconds(59));
            assertThat(evict("ghost", evictionBody("ghost", NS), token).statusCode())
                    .isEqualTo(404);

            clock.advance(Duration.ofSeconds(1));
            assertThat(evict("ghost", evictionBody("ghost", NS), token).statusCode())
                    .isEqualTo(401);
        }

        @Test
        void theOwnPodPolicyLetsABoundTokenEvictItsPodOnlyAndDeniesTheRestWith403() throws Exception {
            api.requireOwnPod(
                    "my-app-evict-own-pod-only",
                    "my-app-evict-own-pod-only",
                    "kube-vault-auth-renewer",
                    "the service account may evict only its own pod");
            api.addPod(NS, "other");
            String bound = api.issueTokenBoundTo(NS, POD);

            HttpResponse<String> other = evict("other", evictionBody("other", NS), bound);
            HttpResponse<String> unbound = evict(POD, evictionBody(POD, NS), token);
            HttpResponse<String> own = evict(POD, evictionBody(POD, NS), bound);

            String denial = "ValidatingAdmissionPolicy 'my-app-evict-own-pod-only' with binding"
                    + " 'my-app-evict-own-pod-only' denied request: the service account may evict only its own pod";
            assertStatus(
                    other,
                    403,
                    "pods \\\"other\\\" is forbidden: " + denial,
                    "Forbidden",
                    "{\"name\":\"other\",\"kind\":\"pods\",\"causes\":[{\"message\":\"" + denial + "\"}]}");
            assertThat(unbound.statusCode()).isEqualTo(403);
            assertThat(own.statusCode()).isEqualTo(201);
            assertThat(api.hasPod(NS, "other")).isTrue();
        }
    }

    // ---------------------------------------------------------------------------------------------- budgets

    /** eviction.go EvictionREST.Create and checkAndDecrement against real PodDisruptionBudgets. */
    @Nested
    class DisruptionBudgets {

        private PodDisruptionBudget budget;

        @BeforeEach
        void budget() {
            budget = api.addDisruptionBudget(NS, "renewer-pdb").selecting(POD);
        }

        @Test
        void decrementsDisruptionsAllowedAndRecordsThePodAsDisruptedOnAnAcceptedEviction() throws Exception {
            budget.disruptionsAllowed(2);

            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(201);

            assertThat(budget.disruptionsAllowed()).isEqualTo(1);
            assertThat(budget.disruptedPods()).containsEntry(POD, clock.instant());
            assertThat(api.hasPod(NS, POD)).isFalse();
        }

        @Test
        void answers429WithTheBudgetsCauseAndNoRetryAfterWhenItAllowsNoDisruption() throws Exception {
            budget.disruptionsAllowed(0).healthy(2, 2);

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertBudgetRefusal(
                    response, "The disruption budget renewer-pdb needs 2 healthy pods and has 2 currently", 0);
            assertThat(api.hasPod(NS, POD)).isTrue();
        }

        @Test
        void answers429WithRetryAfter10WhileTheBudgetsStatusIsNotObserved() throws Exception {
            budget.statusObserved(false).disruptionsAllowed(-1); // the stale status is checked first

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertBudgetRefusal(
                    response, "The disruption budget renewer-pdb is still being processed by the server.", 10);
        }

        /** eviction.go's 429: its message, one DisruptionBudget cause, Retry-After only with retryAfterSeconds. */
        private void assertBudgetRefusal(HttpResponse<String> response, String cause, int retryAfter)
                throws IOException {
            assertStatus(
                    response,
                    429,
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                    "TooManyRequests",
                    "{\"causes\":[{\"reason\":\"DisruptionBudget\",\"message\":\"" + cause + "\"}]"
                            + (retryAfter > 0 ? ",\"retryAfterSeconds\":" + retryAfter : "") + "}");
            assertThat(response.headers().firstValue("Retry-After"))
                    .isEqualTo(retryAfter > 0 ? Optional.of(String.valueOf(retryAfter)) : Optional.empty());
        }

        @Test
        void answersForbiddenWhenDisruptionsAllowedIsNegative() throws Exception {
            budget.disruptionsAllowed(-1);

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertStatus(
                    response,
                    403,
                    "poddisruptionbudget.policy \\\"renewer-pdb\\\" is forbidden: pdb disruptions allowed is"
                            + " negative",
                    "Forbidden",
                    "{\"name\":\"renewer-pdb\",\"group\":\"policy\",\"kind\":\"poddisruptionbudget\"}");
        }

        @Test
        void answersForbiddenOnceMoreThan2000EvictionsAreUnconfirmed() throws Exception {
            budget.disruptionsAllowed(5).unconfirmedEvictions(PodDisruptionBudget.MAX_DISRUPTED_POD_SIZE + 1);

            HttpResponse<String> tooMany = evict(POD, evictionBody(POD, NS), token);
            budget.unconfirmedEvictions(PodDisruptionBudget.MAX_DISRUPTED_POD_SIZE);
            HttpResponse<String> atTheMaximum = evict(POD, evictionBody(POD, NS), token);

            assertThat(tooMany.statusCode()).isEqualTo(403);
            assertThat(json(tooMany).get("message").asText())
                    .isEqualTo("poddisruptionbudget.policy \"renewer-pdb\" is forbidden: DisruptedPods map too big -"
                            + " too many evictions not confirmed by PDB controller");
            assertThat(atTheMaximum.statusCode()).isEqualTo(201);
        }

        @Test
        void answersHttp500WithTheFailureStatusWhenTwoBudgetsSelectThePod() throws Exception {
            api.addDisruptionBudget(NS, "another-pdb").selecting(POD);

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(json(response))
                    .isEqualTo(JSON.readTree("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                            + "\"status\":\"Failure\",\"message\":\"This pod has more than one PodDisruptionBudget,"
                            + " which the eviction subresource does not support.\",\"code\":500}"));
            assertThat(budget.disruptionsAllowed()).isEqualTo(1);
            assertThat(api.hasPod(NS, POD)).isTrue();
        }

        @Test
        void letsAnUnreadyPodGoWithoutTheBudgetWhenTheOthersAreHealthyEnoughOrThePolicyAlwaysAllows() throws Exception {
            api.podReady(NS, POD, false);
            budget.disruptionsAllowed(0).healthy(3, 2);
            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(201);
            assertThat(budget.disruptionsAllowed()).isZero();

            api.addPod(NS, POD);
            api.podReady(NS, POD, false);
            budget.healthy(1, 2).unhealthyPodEvictionPolicy(PodDisruptionBudget.ALWAYS_ALLOW);
            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(201);
        }

        @Test
        void refusesAnUnreadyPodWhileTheApplicationIsDisruptedUnderTheDefaultPolicy() throws Exception {
            api.podReady(NS, POD, false);
            budget.disruptionsAllowed(0).healthy(1, 2);

            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(429);
        }

        @Test
        void aDryRunIsJudgedLikeARealOneButChangesNeitherTheBudgetNorThePod() throws Exception {
            HttpResponse<String> accepted = send(dryRun());
            budget.disruptionsAllowed(0);
            HttpResponse<String> refused = send(dryRun());

            assertThat(accepted.statusCode()).isEqualTo(201);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(budget.disruptedPods()).isEmpty();
            assertThat(api.hasPod(NS, POD)).isTrue();
            assertThat(api.evictions()).isEmpty();
            budget.disruptionsAllowed(1);
            send(dryRun());
            assertThat(budget.disruptionsAllowed()).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------------------------------------- conditions

    /** Server-side conditions programmed as refusals, each with the answer the source writes. */
    @Nested
    class ServerConditions {

        @Test
        void priorityAndFairnessAnswers429InPlainTextWithRetryAfterAndItsUids() throws Exception {
            api.refuseNext(1, Refusal.priorityAndFairness(4));

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertGoHttpError(response, 429, "Too many requests, please try again later.", "4");
            assertThat(response.headers().firstValue("X-Kubernetes-PF-FlowSchema-UID"))
                    .isPresent();
            assertThat(response.headers().firstValue("X-Kubernetes-PF-PriorityLevel-UID"))
                    .isPresent();
            assertThat(api.hasPod(NS, POD)).isTrue();
        }

        @Test
        void aShuttingDownServerAnswers429InPlainTextWithRetryAfter5AndClosesTheConnection() throws Exception {
            api.refuseNext(1, Refusal.shuttingDown());

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertGoHttpError(response, 429, "The apiserver is shutting down, please try again later.", "5");
            assertThat(response.headers().firstValue("Connection")).hasValue("close");
        }

        @Test
        void aShuttingDownServerWithoutTheRetryAfterFlagAnswers503WithRetryAfter1() throws Exception {
            api.refuseNext(1, Refusal.shuttingDownWithoutRetryAfterFlag());

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertStatus(response, 503, "apiserver is shutting down", "ServiceUnavailable", null);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        }

        @Test
        void answers409WhenTheBudgetsUpdateStillConflictsAfterTheServersRetries() throws Exception {
            api.refuseNext(1, Refusal.conflict("renewer-pdb"));

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertStatus(
                    response,
                    409,
                    "Operation cannot be fulfilled on poddisruptionbudgets.policy \\\"renewer-pdb\\\": the"
                            + " object has been modified; please apply your changes to the latest version and"
                            + " try again",
                    "Conflict",
                    "{\"name\":\"renewer-pdb\",\"group\":\"policy\",\"kind\":\"poddisruptionbudgets\"}");
            assertThat(api.hasPod(NS, POD)).isTrue();
        }

        @Test
        void aTimeoutAnswers504WithoutRetryAfterAndMayComeAfterTheEvictionWasCarriedOut() throws Exception {
            api.refuseNext(1, Refusal.timeout());
            api.refuseNext(1, Refusal.timeoutAfterTheEviction());

            HttpResponse<String> before = evict(POD, evictionBody(POD, NS), token);
            boolean stillThere = api.hasPod(NS, POD);
            HttpResponse<String> after = evict(POD, evictionBody(POD, NS), token);

            String timeout = failureJson(
                    504,
                    "Timeout: request did not complete within requested timeout - context deadline exceeded",
                    "Timeout",
                    "{}");
            for (HttpResponse<String> response : List.of(before, after)) {
                assertThat(response.statusCode()).isEqualTo(504);
                assertThat(response.headers().firstValue("Retry-After")).isEmpty();
                assertThat(json(response)).isEqualTo(JSON.readTree(timeout));
            }
            assertThat(stillThere).isTrue();
            assertThat(api.hasPod(NS, POD)).isFalse();
            assertThat(evict(POD, evictionBody(POD, NS), token).statusCode())
                    .as("the pod is terminating now")
                    .isEqualTo(201);
        }

        @Test
        void aWebhooksDenialCarriesItsCodeAtLeast400AndItsMessageAfterItsName() throws Exception {
            api.refuseNext(1, Refusal.admissionWebhook("evictions.example.com", 403, "maintenance window"));
            api.refuseNext(1, Refusal.admissionWebhook("evictions.example.com", 200, ""));

            HttpResponse<String> forbidden = evict(POD, evictionBody(POD, NS), token);
            HttpResponse<String> raised = evict(POD, evictionBody(POD, NS), token);

            assertStatus(
                    forbidden,
                    403,
                    "admission webhook \\\"evictions.example.com\\\" denied the request: maintenance window",
                    null,
                    null);
            assertThat(raised.statusCode()).isEqualTo(400);
            assertThat(json(raised).get("message").asText())
                    .isEqualTo("admission webhook \"evictions.example.com\" denied the request without explanation");
        }

        @Test
        void aPolicysDenialIs403WithReasonForbiddenAnd422WithoutAReason() throws Exception {
            api.refuseNext(1, Refusal.admissionPolicy("own-pod", "own-pod-binding", "only its own pod"));
            api.refuseNext(1, Refusal.admissionPolicy("own-pod", "own-pod-binding", "only its own pod", null));

            HttpResponse<String> forbidden = evict(POD, evictionBody(POD, NS), token);
            HttpResponse<String> invalid = evict(POD, evictionBody(POD, NS), token);

            String denial = "ValidatingAdmissionPolicy 'own-pod' with binding 'own-pod-binding' denied request: only"
                    + " its own pod";
            String details =
                    "{\"name\":\"" + POD + "\",\"kind\":\"pods\",\"causes\":[{\"message\":\"" + denial + "\"}]}";
            assertStatus(forbidden, 403, "pods \\\"" + POD + "\\\" is forbidden: " + denial, "Forbidden", details);
            assertStatus(invalid, 422, "pods \\\"" + POD + "\\\" is forbidden: " + denial, "Invalid", details);
        }

        @Test
        void aTerminatingNamespaceAnswers403WithANamespaceTerminatingCause() throws Exception {
            api.refuseNext(1, Refusal.namespaceTerminating());

            HttpResponse<String> response = evict(POD, evictionBody(POD, NS), token);

            assertStatus(
                    response,
                    403,
                    "pods \\\"" + POD + "\\\" is forbidden: unable to create new content in namespace apps"
                            + " because it is being terminated",
                    "Forbidden",
                    "{\"name\":\"" + POD + "\",\"kind\":\"pods\",\"causes\":[{\"reason\":"
                            + "\"NamespaceTerminating\",\"message\":\"namespace apps is being terminated\","
                            + "\"field\":\"metadata.namespace\"}]}");
        }
    }

    // ---------------------------------------------------------------------------------------------- projected volume

    /** atomic_writer.go AtomicWriter.Write, as the kubelet refreshes the service account's projected volume. */
    @Nested
    class ServiceAccountVolume {

        private Path sa;

        @BeforeEach
        void write() {
            sa = dir.resolve("serviceaccount");
            api.writeServiceAccountDirectory(sa);
        }

        @Test
        void linksEachVisibleNameIntoDataWhichLinksToATimestampedDirectory() throws Exception {
            for (String name : List.of("token", "ca.crt", "namespace")) {
                assertThat(Files.isSymbolicLink(sa.resolve(name))).as(name).isTrue();
                assertThat(Files.readSymbolicLink(sa.resolve(name))).isEqualTo(Path.of("..data", name));
            }
            Path target = Files.readSymbolicLink(sa.resolve("..data"));
            assertThat(target.toString()).matches("\\.\\.\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}\\.\\d+");
            assertThat(Files.isDirectory(sa.resolve(target))).isTrue();
        }

        @Test
        void swapsDataToANewDirectoryAndRemovesTheOldOneAtARotation() throws Exception {
            Path old = Files.readSymbolicLink(sa.resolve("..data"));

            String fresh = api.rotateToken();

            Path current = Files.readSymbolicLink(sa.resolve("..data"));
            assertThat(current).isNotEqualTo(old);
            assertThat(Files.exists(sa.resolve(old))).isFalse();
            assertThat(Files.exists(sa.resolve("..data_tmp"), LinkOption.NOFOLLOW_LINKS))
                    .isFalse();
            assertThat(Files.readString(sa.resolve("token"))).isEqualTo(fresh);
            assertThat(Files.readString(sa.resolve("namespace"))).isEqualTo(NS);
            try (var listing = Files.list(sa)) {
                assertThat(listing.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("token", "ca.crt", "namespace", "..data", current.toString());
            }
        }

        @Test
        void aReaderThatCachedTheResolvedPathFindsNothingThereAndAnOpenFileStillReadsTheOldToken() throws Exception {
            String old = api.currentToken();
            Path resolved = sa.resolve("token").toRealPath();

            try (var open = Files.newBufferedReader(sa.resolve("token"))) {
                String fresh = api.rotateToken();

                assertThat(open.readLine()).isEqualTo(old);
                assertThat(Files.readString(sa.resolve("token"))).isEqualTo(fresh);
                assertThatThrownBy(() -> Files.readString(resolved)).isInstanceOf(NoSuchFileException.class);
            }
        }

        @Test
        void aReaderOpeningTokenAtEachReadSeesOneWholeIssuedTokenOrNoFile() throws Exception {
            List<String> issued = new CopyOnWriteArrayList<>(List.of(api.currentToken()));
            AtomicBoolean rotating = new AtomicBoolean(true);
            CompletableFuture<List<String>> reads = CompletableFuture.supplyAsync(() -> {
                List<String> seen = new ArrayList<>();
                while (rotating.get() || seen.isEmpty()) {
                    try {
                        seen.add(Files.readString(sa.resolve("token")));
                    } catch (NoSuchFileException e) {
                        // as with the kubelet's AtomicWriter: a reader that resolved ..data just before the swap
                        // finds the old directory removed (step 12, after the swap); never a partial token
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return seen;
            });

            for (int i = 0; i < 50; i++) {
                issued.add(api.rotateToken());
            }
            rotating.set(false);

            assertThat(reads.get(30, TimeUnit.SECONDS))
                    .isNotEmpty()
                    .allSatisfy(t -> assertThat(issued).contains(t));
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static String evictionBody(String name, String namespace) {
        return "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"" + namespace + "\"}}";
    }

    private URI evictionUri(String pod, String query) {
        return URI.create(api.address() + "/api/v1/namespaces/" + NS + "/pods/" + pod + "/eviction" + query);
    }

    private HttpRequest.Builder request(String pod, String body, String bearer) {
        return HttpRequest.newBuilder(evictionUri(pod, ""))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpRequest.Builder dryRun() {
        return HttpRequest.newBuilder(evictionUri(POD, "?dryRun=All"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(evictionBody(POD, NS)));
    }

    private HttpResponse<String> evict(String pod, String body, String bearer) throws Exception {
        return send(request(pod, body, bearer));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** A Failure Status as the server writes it; {@code message} and {@code details} as JSON text (null: left out). */
    private static String failureJson(int code, String message, String reason, String details) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + (message == null ? "" : "\"message\":\"" + message + "\",")
                + (reason == null ? "" : "\"reason\":\"" + reason + "\",")
                + (details == null ? "" : "\"details\":" + details + ",")
                + "\"code\":" + code + "}";
    }

    /** Go's http.Error as the filters use it: text/plain, nosniff, the message and a newline; and a Retry-After. */
    private static void assertGoHttpError(HttpResponse<String> response, int code, String message, String retryAfter) {
        assertThat(response.statusCode()).isEqualTo(code);
        assertThat(response.body()).isEqualTo(message + "\n");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("Retry-After")).hasValue(retryAfter);
    }

    /** The status line and the whole Failure Status the server writes under it. */
    private static void assertStatus(
            HttpResponse<String> response, int code, String message, String reason, String details) throws IOException {
        assertThat(response.statusCode()).isEqualTo(code);
        assertThat(json(response)).isEqualTo(JSON.readTree(failureJson(code, message, reason, details)));
    }

    private static void assertFailure(JsonNode status, int code, String reason) {
        assertThat(status.get("kind").asText()).isEqualTo("Status");
        assertThat(status.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(status.get("metadata").isObject()).isTrue();
        assertThat(status.get("status").asText()).isEqualTo("Failure");
        assertThat(status.get("reason").asText()).isEqualTo(reason);
        assertThat(status.get("code").asInt()).isEqualTo(code);
        assertThat(status.get("message").asText()).isNotEmpty();
    }

    private static void assertNotFound(JsonNode status, String pod) {
        assertFailure(status, 404, "NotFound");
        assertThat(status.get("message").asText()).isEqualTo("pods \"" + pod + "\" not found");
        assertThat(status.at("/details/name").asText()).isEqualTo(pod);
        assertThat(status.at("/details/kind").asText()).isEqualTo("pods");
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
