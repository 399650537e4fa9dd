package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubevaultauthrenewer.config.ManagementSettings;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.management.ManagementServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the built manifests give away, in every documented build: which containers hold the service-account token, the
 * own-pod eviction policy from Kubernetes 1.30, and who may reach the management port (the NetworkPolicy).
 */
class ManifestsAccessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int JOLOKIA_PORT = 8778;

    /** Each directory built once for the class's tests: a kubectl kustomize costs about 0.3 s. */
    private static final Map<Path, List<JsonNode>> BUILT = new ConcurrentHashMap<>();

    private static List<JsonNode> built(ManifestsTest.Build build) throws Exception {
        return built(build.dir());
    }

    private static List<JsonNode> built(Path dir) throws Exception {
        Assumptions.assumeTrue(
                ManifestsTest.onPath("kubectl"), "kubectl is not on the PATH: kubectl kustomize not run");
        List<JsonNode> built = BUILT.get(dir);
        if (built == null) {
            built = ManifestsTest.kustomize(dir);
            BUILT.put(dir, built);
        }
        return built;
    }

    private static PodSpec pod(List<JsonNode> built) {
        return JSON.convertValue(ManifestsTest.only(built, "Deployment"), Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec();
    }

    private static Stream<Container> containers(PodSpec pod) {
        return Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream());
    }

    @ParameterizedTest(name = "kubectl kustomize {0}")
    @MethodSource("io.kubevaultauthrenewer.ManifestsTest#builds")
    void mountsTheServiceAccountTokenIntoTheLoginAndTheRenewerOnly(ManifestsTest.Build build) throws Exception {
        List<JsonNode> built = built(build);
        PodSpec pod = pod(built);
        String tokenDir = SelfEviction.DEFAULT_SERVICE_ACCOUNT_DIR;

        assertThat(pod.getAutomountServiceAccountToken())
                .as("the pod's automount")
                .isFalse();
        assertThat(ManifestsTest.only(built, "ServiceAccount")
                        .get("automountServiceAccountToken")
                        .asBoolean(true))
                .as("the ServiceAccount's automount")
                .isFalse();
        List<String> tokenVolumes = pod.getVolumes().stream()
                .filter(v -> v.getProjected() != null
                        && v.getProjected().getSources().stream().anyMatch(s -> s.getServiceAccountToken() != null))
                .map(Volume::getName)
                .toList();
        assertThat(tokenVolumes).singleElement();
        assertThat(containers(pod)
                        .filter(c -> c.getVolumeMounts().stream()
                                .anyMatch(m -> tokenVolumes.contains(m.getName())
                                        || m.getMountPath().startsWith(tokenDir)))
                        .map(Container::getName))
                .containsExactlyInAnyOrder("vault-login", "vault-renewer");
        for (String name : List.of("vault-login", "vault-renewer")) {
            VolumeMount mount = containers(pod)
                    .filter(c -> c.getName().equals(name))
                    .flatMap(c -> c.getVolumeMounts().stream())
                    .filter(m -> tokenVolumes.contains(m.getName()))
                    .findFirst()
                    .orElseThrow();
            assertThat(mount.getMountPath()).as(name).isEqualTo(tokenDir);
            assertThat(mount.getReadOnly()).as(name).isTrue();
        }
        List<VolumeProjection> sources = pod.getVolumes().stream()
                .filter(v -> v.getName().equals(tokenVolumes.get(0)))
                .findFirst()
                .orElseThrow()
                .getProjected()
                .getSources();
        // what the kubelet's kube-api-access volume holds: the token, the cluster's CA, the namespace
        assertThat(sources)
                .filteredOn(s -> s.getServiceAccountToken() != null)
                .singleElement()
                .satisfies(s -> assertThat(s.getServiceAccountToken().getPath()).isEqualTo("token"));
        assertThat(sources)
                .filteredOn(s ->
                        s.getConfigMap() != null && s.getConfigMap().getName().equals("kube-root-ca.crt"))
                .singleElement()
                .satisfies(s -> assertThat(s.getConfigMap().getItems())
                        .singleElement()
                        .satisfies(
                                i -> assertThat(i.getKey() + ">" + i.getPath()).isEqualTo("ca.crt>ca.crt")));
        assertThat(sources)
                .filteredOn(s -> s.getDownwardAPI() != null)
                .singleElement()
                .satisfies(s -> assertThat(s.getDownwardAPI().getItems())
                        .singleElement()
                        .satisfies(i -> {
                            assertThat(i.getPath()).isEqualTo("namespace");
                            assertThat(i.getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
                        }));
    }

    @ParameterizedTest(name = "kubectl kustomize {0}")
    @MethodSource("io.kubevaultauthrenewer.ManifestsTest#builds")
    void deploysTheOwnPodEvictionPolicyExceptBeforeKubernetes130(ManifestsTest.Build build) throws Exception {
        List<String> kinds =
                built(build).stream().map(d -> d.get("kind").asText()).toList();

        if (build.dir().getFileName().toString().endsWith("before-1.30")) {
            assertThat(kinds)
                    .doesNotContain("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
                    .contains("Role", "RoleBinding");
        } else {
            assertThat(kinds).contains("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
        }
    }

    @ParameterizedTest(name = "kubectl kustomize {0}")
    @MethodSource("io.kubevaultauthrenewer.ManifestsTest#builds")
    void admitsTheManagementPortFromTheMonitoringNamespaceOnly(ManifestsTest.Build build) throws Exception {
        List<JsonNode> built = built(build);
        Map<String, String> podLabels = JSON.convertValue(ManifestsTest.only(built, "Deployment"), Deployment.class)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels();
        List<JsonNode> policies = built.stream()
                .filter(d -> d.get("kind").asText().equals("NetworkPolicy"))
                .toList();

        assertThat(policies).isNotEmpty().allSatisfy(policy -> {
            assertThat(texts(policy.get("spec").get("policyTypes"))).containsExactly("Ingress");
            Map<String, String> selector = JSON.convertValue(
                    policy.get("spec").get("podSelector").get("matchLabels"),
                    JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
            assertThat(podLabels).as("the policy selects the Deployment's pods").containsAllEntriesOf(selector);
        });
        assertThat(peersAdmitting(policies, ManagementSettings.DEFAULT_PORT)).containsExactly("namespace monitoring");
        assertThat(peersAdmitting(policies, JOLOKIA_PORT))
                .as("Jolokia's port")
                .isEqualTo(build.dir().equals(ManifestsTest.HAWTIO) ? List.of("namespace hawtio") : List.of());
        assertThat(peersAdmitting(policies, 8080))
                .as("an app's port stays open")
                .containsExactly("anyone");
    }

    /**
     * Prometheus scrapes each renewer through the PodMonitor, from the namespace the monitoring is applied in: the one
     * the app's NetworkPolicy admits to the management port.
     */
    @Test
    void scrapesTheMetricsPathFromTheNamespaceTheNetworkPolicyAdmitsToTheManagementPort() throws Exception {
        List<JsonNode> policies = built(ManifestsTest.MANIFESTS).stream()
                .filter(d -> d.get("kind").asText().equals("NetworkPolicy"))
                .toList();
        JsonNode podMonitor = ManifestsTest.only(built(ManifestsTest.MONITORING), "PodMonitor");
        JsonNode spec = podMonitor.get("spec");

        assertThat(peersAdmitting(policies, ManagementSettings.DEFAULT_PORT))
                .containsExactly("namespace "
                        + podMonitor.get("metadata").get("namespace").asText());
        assertThat(spec.get("namespaceSelector").get("any").asBoolean())
                .as("the apps' pods in every namespace")
                .isTrue();
        assertThat(spec.get("podMetricsEndpoints"))
                .singleElement()
                .satisfies(
                        endpoint -> assertThat(endpoint.get("path").asText()).isEqualTo(ManagementServer.METRICS_PATH));
    }

    /** The sources of every ingress rule that admits a TCP port: "anyone", "namespace x", or the peer as JSON. */
    private static List<String> peersAdmitting(List<JsonNode> policies, int port) {
        List<String> peers = new ArrayList<>();
        for (JsonNode policy : policies) {
            for (JsonNode rule : policy.get("spec").path("ingress")) {
                boolean admits = !rule.has("ports")
                        || Stream.of(rule.get("ports")).flatMap(p -> stream(p)).anyMatch(p -> covers(p, port));
                if (!admits) {
                    continue;
                }
                if (!rule.has("from") || rule.get("from").isEmpty()) {
                    peers.add("anyone");
                }
                for (JsonNode peer : rule.path("from")) {
                    JsonNode namespace = peer.path("namespaceSelector").path("matchLabels");
                    boolean onlyNamespace = peer.size() == 1
                            && peer.get("namespaceSelector").size() == 1
                            && namespace.size() == 1
                            && namespace.has("kubernetes.io/metadata.name");
                    peers.add(
                            onlyNamespace
                                    ? "namespace "
                                            + namespace
                                                    .get("kubernetes.io/metadata.name")
                                                    .asText()
                                    : peer.toString());
                }
            }
        }
        return peers;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> nodes = new ArrayList<>();
        array.forEach(nodes::add);
        return nodes.stream();
    }

    /** Whether a NetworkPolicy port entry (TCP by default; a number, a range with endPort, or a name) covers a port. */
    private static boolean covers(JsonNode entry, int port) {
        if (!entry.path("protocol").asText("TCP").equals("TCP")) {
            return false;
        }
        if (!entry.has("port")) {
            return true;
        }
        JsonNode from = entry.get("port");
        assertThat(from.isInt()).as("numbered ports, not names: " + entry).isTrue();
        int to = entry.path("endPort").asInt(from.asInt());
        return from.asInt() <= port && port <= to;
    }

    private static List<String> texts(JsonNode array) {
        return stream(array).map(JsonNode::asText).toList();
    }

    /** On OpenShift the CA of Hawtio Online's certificate sits beside the token: the overlay projects it there. */
    @Test
    void hawtioOverlayProjectsOpenShiftsServiceCaBesideTheTokenAndStartsWithoutIt() throws Exception {
        List<JsonNode> built = built(new ManifestsTest.Build(ManifestsTest.HAWTIO, false, true));
        PodSpec pod = pod(built);
        Container renewer = containers(pod)
                .filter(c -> c.getName().equals("vault-renewer"))
                .findFirst()
                .orElseThrow();
        String caCert = renewer.getEnv().stream()
                .filter(e -> e.getName().equals("JOLOKIA_CA_CERT"))
                .findFirst()
                .orElseThrow()
                .getValue();
        VolumeMount mount = renewer.getVolumeMounts().stream()
                .filter(m -> caCert.startsWith(m.getMountPath() + "/"))
                .findFirst()
                .orElseThrow();
        List<VolumeProjection> sources = pod.getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow()
                .getProjected()
                .getSources();

        assertThat(sources)
                .filteredOn(s -> s.getConfigMap() != null
                        && Objects.equals(s.getConfigMap().getName(), "openshift-service-ca.crt"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.getConfigMap().getOptional()).isTrue();
                    assertThat(s.getConfigMap().getItems())
                            .singleElement()
                            .satisfies(i -> assertThat(mount.getMountPath() + "/" + i.getPath())
                                    .isEqualTo(caCert));
                });
    }
}
