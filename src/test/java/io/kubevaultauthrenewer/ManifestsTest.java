package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubevaultauthrenewer.config.Setting;
import io.kubevaultauthrenewer.config.Settings;
import io.kubevaultauthrenewer.management.ManagementServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * manifests/ read with the Kubernetes model (fabric8), checked against the application itself: the settings it knows,
 * the paths and port it serves, the user the image runs as, the route ids it has.
 */
class ManifestsTest {

    private static final Path MANIFESTS = Path.of("manifests");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RENEWER = "vault-renewer";

    private static Object yaml(Path file) throws IOException {
        return new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }

    private static JsonNode tree(Path file) throws IOException {
        return JSON.valueToTree(yaml(file));
    }

    private static Deployment deployment() throws IOException {
        return JSON.treeToValue(tree(MANIFESTS.resolve("deployment.yaml")), Deployment.class);
    }

    private static PodSpec pod() throws IOException {
        return deployment().getSpec().getTemplate().getSpec();
    }

    private static Container container(PodSpec pod, String name) {
        return Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElse(null);
    }

    @Test
    void listsEveryManifestInTheKustomizationAndEachExists() throws IOException {
        JsonNode kustomization = tree(MANIFESTS.resolve("kustomization.yaml"));

        List<String> resources = new ArrayList<>();
        kustomization.get("resources").forEach(r -> resources.add(r.asText()));

        assertThat(resources).containsExactlyInAnyOrder("serviceaccount.yaml", "deployment.yaml");
        resources.forEach(r -> assertThat(MANIFESTS.resolve(r)).isRegularFile());
        ServiceAccount account = JSON.treeToValue(tree(MANIFESTS.resolve("serviceaccount.yaml")), ServiceAccount.class);
        assertThat(pod().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());
    }

    @Test
    void deploysAnAppsV1DeploymentWithTheLoginTheAppAndTheRenewer() throws IOException {
        Deployment deployment = deployment();
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();

        assertThat(deployment.getApiVersion()).isEqualTo("apps/v1");
        assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("vault-login");
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("app", RENEWER);
        Container login = container(pod, "vault-login");
        assertThat(login.getEnv())
                .extracting(EnvVar::getName)
                .contains("KUBERNETES_AUTH_PATH", "VAULT_ADDR", "VAULT_LOGIN_ROLE")
                .anyMatch(name -> name.startsWith("SECRET_"));
        assertThat(String.join(" ", container(pod, "app").getCommand())).contains(". /env/variables");
        assertThat(env(container(pod, RENEWER), "VAULT_ADDR")).isEqualTo(env(login, "VAULT_ADDR"));
    }

    @Test
    void givesTheRenewerOnlyVariablesTheApplicationKnows() throws IOException {
        Set<String> known =
                Arrays.stream(Setting.values()).map(Setting::envName).collect(Collectors.toCollection(TreeSet::new));
        known.addAll(List.of("JAVA_OPTS", "JAVA_TOOL_OPTIONS"));

        List<String> given =
                container(pod(), RENEWER).getEnv().stream().map(EnvVar::getName).toList();

        assertThat(given).isNotEmpty().allSatisfy(name -> assertThat(known).contains(name));
    }

    @Test
    void probesThePathsAndThePortTheApplicationServes() throws IOException {
        Deployment deployment = deployment();
        Container renewer = container(deployment.getSpec().getTemplate().getSpec(), RENEWER);
        int port = renewer.getPorts().get(0).getContainerPort();
        String portName = renewer.getPorts().get(0).getName();

        assertThat(port).isEqualTo(Settings.DEFAULT_MANAGEMENT_PORT);
        assertThat(env(renewer, "CAMEL_MANAGEMENT_PORT")).isEqualTo(String.valueOf(port));
        assertThat(probePath(renewer.getLivenessProbe())).isEqualTo(ManagementServer.LIVENESS_PATH);
        assertThat(probePath(renewer.getReadinessProbe())).isEqualTo(ManagementServer.READINESS_PATH);
        assertThat(probePath(renewer.getStartupProbe())).isEqualTo(ManagementServer.LIVENESS_PATH);
        for (Probe probe :
                List.of(renewer.getLivenessProbe(), renewer.getReadinessProbe(), renewer.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(portName);
        }
        Map<String, String> annotations =
                deployment.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations)
                .containsEntry("prometheus.io/port", String.valueOf(port))
                .containsEntry("prometheus.io/path", ManagementServer.METRICS_PATH);
    }

    private static String probePath(Probe probe) {
        return probe.getHttpGet().getPath();
    }

    @Test
    void sharesEnvBetweenAllThreeContainersAndPointsTheRenewerAtTheFile() throws IOException {
        PodSpec pod = pod();

        assertThat(pod.getVolumes())
                .filteredOn(v -> v.getName().equals("env"))
                .singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        for (String name : List.of("vault-login", "app", RENEWER)) {
            assertThat(container(pod, name).getVolumeMounts()).as(name).anySatisfy(m -> {
                assertThat(m.getName()).isEqualTo("env");
                assertThat(m.getMountPath()).isEqualTo("/env");
            });
        }
        assertThat(env(container(pod, RENEWER), "VARIABLES_FILE")).isEqualTo("/env/variables");
    }

    @Test
    void hardensThePodAndEveryContainer() throws IOException {
        PodSpec pod = pod();

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(imageUser());
        for (Container c : Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                .toList()) {
            SecurityContext security = c.getSecurityContext();
            assertThat(security.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
            assertThat(security.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
            assertThat(security.getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
        }
        Container renewer = container(pod, RENEWER);
        assertThat(renewer.getVolumeMounts())
                .extracting(VolumeMount::getMountPath)
                .contains("/tmp");
        assertThat(renewer.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(renewer.getResources().getLimits()).containsKey("memory");
    }

    /** The numeric user of the Dockerfile's runtime stage. */
    private static long imageUser() throws IOException {
        return Files.readAllLines(Path.of("Dockerfile")).stream()
                .filter(l -> l.startsWith("USER "))
                .map(l -> Long.parseLong(l.substring(5).split(":")[0].strip()))
                .reduce((first, last) -> last)
                .orElseThrow();
    }

    @Test
    void mountsRouteFilesThatLoadAsCamelRoutesWithTheIdsOfBuiltInOnes() throws Exception {
        JsonNode generator = tree(MANIFESTS.resolve("kustomization.yaml")).get("configMapGenerator");
        List<String> files = new ArrayList<>();
        String configMap = null;
        for (JsonNode map : generator) {
            configMap = map.get("name").asText();
            map.get("files").forEach(f -> files.add(f.asText()));
        }
        PodSpec pod = pod();
        String mapName = configMap;
        String volume = pod.getVolumes().stream()
                .filter(v ->
                        v.getConfigMap() != null && v.getConfigMap().getName().equals(mapName))
                .findFirst()
                .orElseThrow()
                .getName();
        Container renewer = container(pod, RENEWER);
        String mountPath = renewer.getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume))
                .findFirst()
                .orElseThrow()
                .getMountPath();

        assertThat(env(renewer, "ROUTES_DIR")).isEqualTo(mountPath);
        Set<String> builtIn = routeIds("classpath:routes/*.camel.yaml");
        assertThat(files).isNotEmpty();
        for (String file : files) {
            Path path = MANIFESTS.resolve(file);
            assertThat(path.getFileName().toString()).endsWith(".camel.yaml");
            assertThat(builtIn).containsAll(routeIds("file:" + path.toAbsolutePath()));
            assertThat(Path.of("src/main/resources/routes").resolve(path.getFileName()))
                    .as("a file replaces the built-in file of the same name")
                    .isRegularFile();
        }
    }

    /** The route ids Camel's YAML DSL reads from the files matching a pattern. */
    private static Set<String> routeIds(String pattern) throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            Set<String> ids = new TreeSet<>();
            for (Resource resource :
                    PluginHelper.getPackageScanResourceResolver(camel).findResources(pattern)) {
                camel.addRoutes(PluginHelper.getRoutesLoader(camel)
                        .findRoutesBuilders(resource)
                        .iterator()
                        .next());
            }
            for (RouteDefinition route : ((ModelCamelContext) camel).getRouteDefinitions()) {
                ids.add(route.getRouteId());
            }
            assertThat(ids).as(pattern).isNotEmpty();
            return ids;
        }
    }

    @Test
    void nativeSidecarOverlayMovesTheRenewerAfterTheLoginWithRestartPolicyAlways() throws IOException {
        Path overlay = MANIFESTS.resolve("native-sidecar");
        JsonNode kustomization = tree(overlay.resolve("kustomization.yaml"));
        assertThat(kustomization.get("resources").get(0).asText()).isEqualTo("../");
        Path patch =
                overlay.resolve(kustomization.get("patches").get(0).get("path").asText());
        ObjectNode manifest = (ObjectNode) tree(MANIFESTS.resolve("deployment.yaml"));

        applyJsonPatch(manifest, (ArrayNode) tree(patch));
        PodSpec pod = JSON.treeToValue(manifest, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec();

        assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("vault-login", RENEWER);
        assertThat(pod.getInitContainers().get(1).getRestartPolicy()).isEqualTo("Always");
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("app");
    }

    /** The three RFC 6902 operations the overlay uses: test, move, add. */
    private static void applyJsonPatch(ObjectNode target, ArrayNode operations) {
        for (JsonNode op : operations) {
            String path = op.get("path").asText();
            switch (op.get("op").asText()) {
                case "test" -> assertThat(target.at(path)).isEqualTo(op.get("value"));
                case "move" -> {
                    JsonNode moved = remove(target, op.get("from").asText());
                    add(target, path, moved);
                }
                case "add" -> add(target, path, op.get("value"));
                default -> throw new AssertionError("unexpected op " + op);
            }
        }
    }

    private static JsonNode remove(ObjectNode root, String path) {
        int cut = path.lastIndexOf('/');
        JsonNode parent = root.at(path.substring(0, cut));
        String key = path.substring(cut + 1);
        return parent.isArray()
                ? ((ArrayNode) parent).remove(Integer.parseInt(key))
                : ((ObjectNode) parent).remove(key);
    }

    private static void add(ObjectNode root, String path, JsonNode value) {
        int cut = path.lastIndexOf('/');
        JsonNode parent = root.at(path.substring(0, cut));
        String key = path.substring(cut + 1);
        if (parent.isArray()) {
            ((ArrayNode) parent).insert(key.equals("-") ? parent.size() : Integer.parseInt(key), value);
        } else {
            ((ObjectNode) parent).set(key, value);
        }
    }

    /** Runs yamllint (Debian's package; .ci/run installs it): reported as skipped where it is not installed. */
    @Test
    void passesYamllint() throws Exception {
        boolean installed = Stream.of(System.getenv("PATH").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "yamllint")));
        Assumptions.assumeTrue(installed, "yamllint is not installed (apt-get install yamllint)");
        Process lint = new ProcessBuilder(
                        "yamllint", "-s", "-c", ".yamllint.yaml", "manifests", "src/main/resources/routes")
                .redirectErrorStream(true)
                .start();
        String output = new String(lint.getInputStream().readAllBytes());

        assertThat(lint.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(lint.exitValue()).as(output).isZero();
    }
}
