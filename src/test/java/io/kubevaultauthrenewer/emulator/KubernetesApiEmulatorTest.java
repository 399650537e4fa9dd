package io.kubevaultauthrenewer.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.emulator.KubernetesApiEmulator.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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
    void answersNotFoundToASecondEvictionOfTheSamePod() throws Exception {
        assertThat(evict(POD, evictionBody(POD, NS), token).statusCode()).isEqualTo(201);

        HttpResponse<String> again = evict(POD, evictionBody(POD, NS), token);

        assertThat(again.statusCode()).isEqualTo(404);
        assertNotFound(json(again), POD);
        assertThat(api.evictions()).hasSize(1);
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
        HttpResponse<String> response = send(HttpRequest.newBuilder(evictionUri(POD, "?dryRun=All"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(evictionBody(POD, NS))));

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
    void evictsThePodOnceWhenManyAskAtTheSameTime() {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(client.sendAsync(
                    request(POD, evictionBody(POD, NS), token).build(), HttpResponse.BodyHandlers.ofString()));
        }

        List<Integer> statuses =
                calls.stream().map(c -> c.join().statusCode()).sorted().toList();

        assertThat(statuses).containsExactly(201, 404, 404, 404, 404, 404, 404, 404, 404, 404);
        assertThat(api.evictions()).hasSize(1);
    }

    // ---------------------------------------------------------------------------------------------- tokens, TLS

    @Test
    void answersUnauthorizedWithoutATokenOrWithOneItDidNotIssue() throws Exception {
        JsonNode unauthorized = JSON.readTree("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");

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

    private HttpResponse<String> evict(String pod, String body, String bearer) throws Exception {
        return send(request(pod, body, bearer));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
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
