package io.kubevaultauthrenewer.e2e;

import static io.kubevaultauthrenewer.e2e.Management.connect;
import static io.kubevaultauthrenewer.e2e.Management.freePort;
import static io.kubevaultauthrenewer.e2e.Management.jmxOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * Hawtio's way in: the Jolokia JVM agent that the start script loads with {@code JOLOKIA_ENABLED=true}, read over
 * HTTP(S) as Hawtio (Online) reads it: Camel's route MBeans and the renewer's MXBean; read-only by the jar's policy;
 * the token and the app's secret in no answer; https only to a client certificate of the allowed principal; nothing
 * of it loaded when it is off.
 */
class JolokiaIT extends AgainstTheEmulator {

    private static final Duration LONG = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STARTED = Pattern.compile("Jolokia: Agent (?:\\S+ )?started with URL (\\S+)");
    private static final String RENEWER = "kube-vault-auth-renewer:type=Renewer";
    private static final String ROUTE =
            "org.apache.camel:context=kube-vault-auth-renewer,type=routes,name=\"lease-renewal\"";
    /** Hawtio Online's client certificate (the proxying certificate), as the manifests' hawtio overlay expects it. */
    private static final String HAWTIO = "CN=hawtio-online.hawtio.svc";

    /** A renewer with the agent on, on this port (and these further variables). */
    private Map<String, String> withJolokia(int port, String... more) {
        Map<String, String> env = new HashMap<>(renewerEnv(600, false));
        env.put("JOLOKIA_ENABLED", "true");
        env.put("JOLOKIA_PORT", String.valueOf(port));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    /** The agent's URL, from the line it prints once it listens. */
    private static String agentUrl(RenewerProcess renewer) {
        Matcher m = STARTED.matcher(renewer.awaitLine(STARTED.pattern(), LONG));
        assertThat(m.find()).isTrue();
        return m.group(1).replaceAll("/+$", "");
    }

    /** An answer of the agent: the HTTP status and Jolokia's JSON. */
    record Answer(int httpStatus, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        /** Jolokia's own status in the answer (200, 403 for what the policy refuses, …). */
        int status() throws IOException {
            return json().get("status").asInt();
        }

        JsonNode value() throws IOException {
            assertThat(status()).as(body).isEqualTo(200);
            return json().get("value");
        }
    }

    private static Answer send(HttpClient client, HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A GET of Jolokia's URL form ({@code /read/<mbean>/<attribute>}); quotes in names are percent-encoded. */
    private static Answer get(HttpClient client, String url, String path) throws IOException {
        return send(
                client,
                HttpRequest.newBuilder(URI.create(url + path.replace("\"", "%22")))
                        .timeout(LONG)
                        .build());
    }

    /** A POST of a Jolokia request (or a bulk of them), as Hawtio sends them. */
    private static Answer post(HttpClient client, String url, Object request) throws IOException {
        return send(
                client,
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(LONG)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request)))
                        .build());
    }

    private static Map<String, Object> request(String type, String mbean, Object... more) {
        Map<String, Object> request = new HashMap<>(Map.of("type", type, "mbean", mbean));
        for (int i = 0; i < more.length; i += 2) {
            request.put((String) more[i], more[i + 1]);
        }
        return request;
    }

    @Test
    void servesARoutesCountersAndTheRenewersStateOverHttpOnLoopback() throws IOException {
        Token token = token(3600);
        Lease lease = lease(token, 3600);
        writeVariables(token, lease);
        int port = freePort();
        HttpClient http = HttpClient.newHttpClient();

        try (RenewerProcess renewer = RenewerProcess.start(withJolokia(port))) {
            String url = agentUrl(renewer);
            renewer.awaitLine("Cycle done", LONG);

            assertThat(url)
                    .as("loopback unless JOLOKIA_HOST says otherwise")
                    .isEqualTo("http://127.0.0.1:" + port + "/jolokia");
            assertThat(get(http, url, "/search/" + ROUTE).value())
                    .singleElement()
                    .isNotNull();
            Answer exchanges = get(http, url, "/read/" + ROUTE + "/ExchangesTotal");
            assertThat(exchanges.httpStatus()).isEqualTo(200);
            assertThat(exchanges.value().asLong()).as("the lease checked once").isEqualTo(1);
            assertThat(get(http, url, "/read/" + RENEWER + "/TokenAccessor")
                            .value()
                            .asText())
                    .isEqualTo(token.accessor);
            assertThat(get(http, url, "/read/" + RENEWER + "/CyclesCompleted")
                            .value()
                            .asLong())
                    .isEqualTo(1);
            JsonNode leases = get(http, url, "/read/" + RENEWER + "/Leases").value();
            assertThat(leases).singleElement().satisfies(row -> {
                assertThat(row.get("leaseId").asText()).isEqualTo(lease.id);
                assertThat(row.get("lastOutcome").asText()).isEqualTo("NOT_DUE");
            });
            assertThat(renewer.linesWith("Using policy access restrictor"))
                    .singleElement()
                    .asString()
                    .endsWith("kube-vault-auth-renewer.jar!/jolokia-access.xml");
        }
    }

    @Test
    void answersWithNeitherTheTokenNorTheAppSecretWhateverIsRead() throws IOException {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600), lease(token, 3600));
        int port = freePort();
        HttpClient http = HttpClient.newHttpClient();

        // a careless operator's JAVA_OPTS: the token and a secret on the command line, as system properties
        try (RenewerProcess renewer = RenewerProcess.start(
                withJolokia(port), "-Drenewer.vault-token=" + token.id, "-Dapp.password=" + APP_SECRET)) {
            String url = agentUrl(renewer);
            renewer.awaitLine("Cycle done", LONG);
            for (String attribute : List.of("InputArguments", "SystemProperties")) {
                Answer refused = get(http, url, "/read/java.lang:type=Runtime/" + attribute);
                assertThat(refused.status()).as(refused.body).isEqualTo(403);
                assertThat(refused.body).doesNotContain(token.id);
            }
            assertThat(get(http, url, "/read/java.lang:type=Runtime/Uptime").status())
                    .as("the rest of Runtime stays readable")
                    .isEqualTo(200);
            List<String> answers = new ArrayList<>();
            answers.add(get(http, url, "/version").body);
            answers.add(get(http, url, "/list").body);
            Answer all = get(http, url, "/search/*:*?canonicalNaming=false");
            answers.add(all.body);
            // every attribute of every MBean in the JVM, the way Hawtio's tree reads them
            answers.add(post(http, url + "/?ignoreErrors=true", request("read", "*:*")).body);
            List<String> names = new ArrayList<>();
            all.value().forEach(name -> names.add(name.asText()));
            assertThat(names).contains(RENEWER, ROUTE).hasSizeGreaterThan(50);
            List<Object> bulk = new ArrayList<>();
            for (String name : names) {
                bulk.add(request("read", name));
            }
            answers.add(post(http, url + "/?ignoreErrors=true", bulk).body);
            // and each attribute of the renewer's bean and of a route's, one by one
            for (String bean : List.of(RENEWER, ROUTE)) {
                JsonNode attributes = post(http, url, Map.of("type", "list", "path", listPath(bean)))
                        .value()
                        .get("attr");
                assertThat(attributes.size()).as(bean).isGreaterThan(10);
                for (var attribute = attributes.fieldNames(); attribute.hasNext(); ) {
                    Answer one = get(http, url, "/read/" + bean + "/" + attribute.next());
                    assertThat(one.status()).as(one.body).isEqualTo(200);
                    answers.add(one.body);
                }
            }

            assertThat(String.join("\n", answers))
                    .contains(token.accessor)
                    .doesNotContain(token.id)
                    .doesNotContain(APP_SECRET);
        }
    }

    /** The path of a bean in Jolokia's list ({@code domain/key=value,…}, a slash in a value escaped as !/). */
    private static String listPath(String objectName) {
        int colon = objectName.indexOf(':');
        return objectName.substring(0, colon) + "/" + objectName.substring(colon + 1);
    }

    @Test
    void refusesEveryWriteAndOperationUnderTheDefaultPolicy() throws Exception {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));
        int port = freePort();
        HttpClient http = HttpClient.newHttpClient();
        Path heapDump = dir.resolve("renewer.hprof");

        try (RenewerProcess renewer = RenewerProcess.start(withJolokia(port));
                ServerSocket elsewhere = new ServerSocket(0)) {
            String url = agentUrl(renewer);
            renewer.awaitLine("Cycle done", LONG);
            int lookups = vault.requests("/v1/auth/token/lookup-self").size();

            Answer renewNow = get(http, url, "/exec/" + RENEWER + "/renewNow()");
            Answer tracing = post(http, url, request("write", ROUTE, "attribute", "Tracing", "value", true));
            Answer stop = get(http, url, "/exec/" + ROUTE + "/stop()");
            Answer gc = get(http, url, "/exec/java.lang:type=Memory/gc()");
            Answer dump = post(
                    http,
                    url,
                    request(
                            "exec",
                            "com.sun.management:type=DiagnosticCommand",
                            "operation",
                            "gcHeapDump",
                            "arguments",
                            List.of(List.of(heapDump.toString()))));

            for (Answer refused : List.of(renewNow, tracing, stop, gc, dump)) {
                assertThat(refused.status()).as(refused.body).isEqualTo(403);
                assertThat(refused.json().get("error").asText()).containsIgnoringCase("forbidden");
            }
            assertThat(heapDump).doesNotExist();
            assertThat(vault.requests("/v1/auth/token/lookup-self"))
                    .as("no cycle ran")
                    .hasSize(lookups);
            assertThat(get(http, url, "/read/" + RENEWER + "/CyclesCompleted")
                            .value()
                            .asLong())
                    .isEqualTo(1);
            assertThat(get(http, url, "/read/" + ROUTE + "/State").value().asText())
                    .isEqualTo("Started");
            assertThat(get(http, url, "/read/" + ROUTE + "/Tracing").value().asBoolean())
                    .isFalse();

            // Jolokia's JSR-160 proxy is off: a request naming a remote JMX URL is served locally, never forwarded
            ObjectNode proxied = JSON.valueToTree(request("read", "java.lang:type=Runtime", "attribute", "Name"));
            proxied.putObject("target")
                    .put("url", "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + elsewhere.getLocalPort() + "/jmxrmi");
            assertThat(post(http, url, proxied).status()).isEqualTo(200);
            elsewhere.setSoTimeout(2_000);
            assertThat(catchThrowable(() -> elsewhere.accept().close()))
                    .as("no connection to the named address")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void servesHttpsOnlyToAClientCertificateOfTheAllowedPrincipal() throws Exception {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));
        int port = freePort();
        JolokiaCertificates pki = JolokiaCertificates.create(Files.createDirectories(dir.resolve("pki")));
        Path hawtio = pki.signed("hawtio", HAWTIO, "clientAuth");
        Path other = pki.signed("other", "CN=someone-else.other.svc", "clientAuth");
        Path serving = pki.signed("serving", HAWTIO, "serverAuth");
        Map<String, String> env = withJolokia(
                port,
                "JOLOKIA_HOST",
                "127.0.0.1",
                "JOLOKIA_PROTOCOL",
                "https",
                "JOLOKIA_USE_SSL_CLIENT_AUTHENTICATION",
                "true",
                "JOLOKIA_CA_CERT",
                pki.caPem.toString(),
                "JOLOKIA_CLIENT_PRINCIPAL",
                HAWTIO.toLowerCase(java.util.Locale.ROOT));

        try (RenewerProcess renewer = RenewerProcess.start(env)) {
            String url = agentUrl(renewer);
            renewer.awaitLine("Cycle done", LONG);

            assertThat(url).isEqualTo("https://127.0.0.1:" + port + "/jolokia");
            HttpClient asHawtio = client(hawtio);
            assertThat(get(asHawtio, url, "/read/" + RENEWER + "/TokenAccessor")
                            .value()
                            .asText())
                    .isEqualTo(token.accessor);
            assertThat(post(asHawtio, url, request("read", ROUTE, "attribute", "ExchangesTotal"))
                            .value()
                            .asLong())
                    .isEqualTo(1);
            assertThat(get(asHawtio, url, "/exec/" + RENEWER + "/renewNow()").status())
                    .as("read-only over https too")
                    .isEqualTo(403);

            Map<String, Object> read = request("read", RENEWER, "attribute", "TokenAccessor");
            for (HttpClient refused : List.of(client(other), client(null))) {
                assertThat(get(refused, url, "/read/" + RENEWER + "/TokenAccessor")
                                .httpStatus())
                        .isEqualTo(403);
                assertThat(post(refused, url, read).httpStatus()).isEqualTo(403);
                // the unauthenticated /config endpoint of Jolokia 2.4.0 to 2.6.0 serves any POSTed request
                assertThat(post(refused, url + "/config", read).body)
                        .as("a POST to /jolokia/config without an allowed certificate")
                        .doesNotContain(token.accessor);
            }
            Throwable notForClients = catchThrowable(() -> get(client(serving), url, "/version"));
            if (notForClients == null) {
                assertThat(get(client(serving), url, "/version").httpStatus())
                        .as("a certificate without clientAuth")
                        .isEqualTo(403);
            } else {
                assertThat(notForClients).as("refused in the handshake").isInstanceOf(IOException.class);
            }
            assertThat(plainHttpAnswer(port))
                    .as("no plain http on the https port")
                    .doesNotStartWith("HTTP/");
        }
    }

    /**
     * What a plain HTTP request to the port gets back within 3 s: the start of its answer, or nothing when the
     * connection is closed, reset or silent (a TLS server waits for a record that plain text never completes).
     */
    private static String plainHttpAnswer(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(3000);
            socket.getOutputStream()
                    .write("GET /jolokia/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            byte[] start = socket.getInputStream().readNBytes(5);
            return new String(start, StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException | java.net.SocketException silentOrReset) {
            return "";
        }
    }

    private static HttpClient client(Path certificate) {
        SSLContext context = JolokiaCertificates.clientContext(certificate);
        return HttpClient.newBuilder().sslContext(context).build();
    }

    @Test
    void servesHttpsWithTheServerCertificateItIsGiven() throws Exception {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));
        int port = freePort();
        JolokiaCertificates pki = JolokiaCertificates.create(Files.createDirectories(dir.resolve("pki")));
        Path hawtio = pki.signed("hawtio", HAWTIO, "clientAuth");
        JolokiaCertificates.Server server = pki.server("jolokia-agent");
        Map<String, String> env = withJolokia(
                port,
                "JOLOKIA_PROTOCOL",
                "https",
                "JOLOKIA_USE_SSL_CLIENT_AUTHENTICATION",
                "true",
                "JOLOKIA_CA_CERT",
                pki.caPem.toString(),
                "JOLOKIA_CLIENT_PRINCIPAL",
                HAWTIO,
                "JOLOKIA_SERVER_CERT",
                server.certificatePem().toString(),
                "JOLOKIA_SERVER_KEY",
                server.keyPem().toString(),
                "JOLOKIA_SERVER_KEY_ALGORITHM",
                "EC");

        try (RenewerProcess renewer = RenewerProcess.start(env)) {
            String url = agentUrl(renewer);
            renewer.awaitLine("Cycle done", LONG);
            HttpClient verifying = HttpClient.newBuilder()
                    .sslContext(pki.clientContextTrustingTheCa(hawtio))
                    .build();

            assertThat(get(verifying, url, "/read/" + RENEWER + "/TokenAccessor")
                            .value()
                            .asText())
                    .as("the agent's certificate checked against the CA, and its name")
                    .isEqualTo(token.accessor);
        }
    }

    @Test
    void loadsNothingOfJolokiaWhenItIsNotEnabled() throws Exception {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));
        int port = freePort();
        int jmxPort = freePort();
        Map<String, String> env = new HashMap<>(renewerEnv(600, false));
        env.put("JOLOKIA_PORT", String.valueOf(port));

        try (RenewerProcess renewer = RenewerProcess.start(env, jmxOptions(jmxPort));
                JMXConnector jmx = connect(jmxPort)) {
            renewer.awaitLine("Cycle done", LONG);
            MBeanServerConnection server = jmx.getMBeanServerConnection();
            RuntimeMXBean runtime = ManagementFactory.newPlatformMXBeanProxy(
                    server, ManagementFactory.RUNTIME_MXBEAN_NAME, RuntimeMXBean.class);
            String classes = (String) server.invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});

            assertThat(runtime.getInputArguments()).noneMatch(flag -> flag.startsWith("-javaagent"));
            assertThat(runtime.getSystemProperties()).doesNotContainKey("jolokia.agent");
            assertThat(classes).contains("io.kubevaultauthrenewer").doesNotContain("org.jolokia");
            assertThat(renewer.output()).doesNotContain("Jolokia");
            assertThat(catchThrowable(() -> new Socket("127.0.0.1", port).close()))
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void findsTheReadOnlyPolicyInTheJarWithABareJavaagentFlag() throws IOException {
        Token token = token(3600);
        writeVariables(token, lease(token, 3600));
        int port = freePort();
        HttpClient http = HttpClient.newHttpClient();

        // docs/operating.md's `java -javaagent:target/jolokia-agent.jar=… -jar target/kube-vault-auth-renewer.jar`
        try (RenewerProcess renewer = RenewerProcess.start(
                renewerEnv(600, false),
                "-javaagent:" + Path.of("target", "jolokia-agent.jar") + "=port=" + port
                        + ",disabledServices=org.jolokia.service.jsr160.Jsr160RequestHandler")) {
            String url = agentUrl(renewer);
            renewer.awaitLine("Cycle done", LONG);

            assertThat(renewer.linesWith("Using policy access restrictor"))
                    .singleElement()
                    .asString()
                    .endsWith("classpath:/jolokia-access.xml");
            assertThat(get(http, url, "/read/" + RENEWER + "/TokenAccessor")
                            .value()
                            .asText())
                    .isEqualTo(token.accessor);
            assertThat(get(http, url, "/exec/" + RENEWER + "/renewNow()").status())
                    .isEqualTo(403);
        }
    }

    @Test
    void loadsTheAgentForTheSidecarOnlyNotForTheOtherCommands() throws IOException {
        Map<String, String> env = withJolokia(freePort());

        try (RenewerProcess version = RenewerProcess.run(env, List.of("--version"))) {
            assertThat(version.awaitExit(LONG)).isZero();
            assertThat(version.output()).startsWith("kube-vault-auth-renewer ").doesNotContain("Jolokia");
        }
    }

    @Test
    void refusesAJolokiaEnabledThatIsNeitherTrueNorFalse() {
        Map<String, String> env = new HashMap<>(renewerEnv(600, false));
        env.put("JOLOKIA_ENABLED", "maybe");

        try (RenewerProcess renewer = RenewerProcess.start(env)) {
            assertThat(renewer.awaitExit(LONG)).isEqualTo(2);
            assertThat(renewer.output()).contains("JOLOKIA_ENABLED=maybe must be true or false");
        }
    }
}
