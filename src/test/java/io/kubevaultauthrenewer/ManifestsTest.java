package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.config.ManagementSettings;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.config.Setting;
import io.kubevaultauthrenewer.management.ManagementServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * manifests/ read with the Kubernetes model (fabric8), checked against the application itself: the settings it knows,
 * the paths and port it serves, the user the image runs as, the route ids it has; and built with kubectl kustomize
 * where kubectl is installed.
 */
public class ManifestsTest {

    static final Path MANIFESTS = Path.of("manifests");
    static final Path BASE = MANIFESTS.resolve("base");
    static final Path NATIVE_SIDECAR = MANIFESTS.resolve("native-sidecar");
    static final Path EVICT_OWN_POD_ONLY = MANIFESTS.resolve("evict-own-pod-only");
    static final Path NATIVE_SIDECAR_EVICT_OWN_POD_ONLY = MANIFESTS.resolve("native-sidecar-evict-own-pod-only");
    /** The kustomize component holding the admission policy, which the base lists. */
    static final Path OWN_POD_ONLY_POLICY = MANIFESTS.resolve("components").resolve("evict-own-pod-only");
    /** The kustomize component that takes the policy out again, for clusters before 1.30. */
    static final Path WITHOUT_OWN_POD_ONLY_POLICY =
            MANIFESTS.resolve("components").resolve("without-evict-own-pod-only");

    static final Path BEFORE_1_30 = MANIFESTS.resolve("before-1.30");
    static final Path NATIVE_SIDECAR_BEFORE_1_30 = MANIFESTS.resolve("native-sidecar-before-1.30");
    /** The overlay that opens the renewer's Jolokia agent to Hawtio Online. */
    static final Path HAWTIO = MANIFESTS.resolve("hawtio");
    /** The PodMonitor and the Grafana dashboard, applied in the namespace monitoring: no app, no base. */
    static final Path MONITORING = MANIFESTS.resolve("monitoring");
    /** A team's kustomizations with the inject components, over workloads of their own: ManifestsInjectTest. */
    static final Path EXAMPLES = MANIFESTS.resolve("examples");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RENEWER = "vault-renewer";

    private static Object yaml(Path file) throws IOException {
        return new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }

    /** A YAML file as a tree (the manifests, the alert rules and their tests). */
    public static JsonNode tree(Path file) throws IOException {
        return JSON.valueToTree(yaml(file));
    }

    private static Deployment deployment() throws IOException {
        return JSON.treeToValue(tree(BASE.resolve("deployment.yaml")), Deployment.class);
    }

    private static PodSpec pod() throws IOException {
        return deployment().getSpec().getTemplate().getSpec();
    }

    static Container container(PodSpec pod, String name) {
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

    static EnvVar envVar(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no variable " + name + " in " + container.getName()));
    }

    /** The texts of a YAML sequence (empty when absent). */
    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        if (array != null) {
            array.forEach(item -> texts.add(item.asText()));
        }
        return texts;
    }

    /** The directories holding a kustomization: manifests/, the base, the overlays and the component. */
    private static List<Path> kustomizations() throws IOException {
        try (Stream<Path> dirs = Files.walk(MANIFESTS)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .sorted()
                    .toList();
        }
    }

    /**
     * The local files and directories a kustomization names: resources, components, patches, replacements, generators'
     * files.
     */
    private static List<String> listed(JsonNode kustomization) {
        List<String> listed = new ArrayList<>(texts(kustomization.get("resources")));
        listed.addAll(texts(kustomization.get("components")));
        listed.addAll(texts(kustomization.get("configurations")));
        kustomization.path("patches").forEach(p -> listed.add(p.get("path").asText()));
        kustomization.path("replacements").forEach(r -> {
            if (r.has("path")) {
                listed.add(r.get("path").asText());
            }
        });
        kustomization.path("configMapGenerator").forEach(g -> listed.addAll(texts(g.get("files"))));
        return listed;
    }

    /** What kustomize builds from a directory: a Kustomization (the default kind) or a Component. */
    private static String kind(Path root) throws IOException {
        return tree(root.resolve("kustomization.yaml")).path("kind").asText("Kustomization");
    }

    /** The directories the top comment of manifests/kustomization.yaml tells to kubectl apply -k. */
    private static List<Path> documented() throws IOException {
        Matcher apply = Pattern.compile("^#\\s+kubectl apply -k (\\S+)", Pattern.MULTILINE)
                .matcher(Files.readString(MANIFESTS.resolve("kustomization.yaml")));
        List<Path> documented = new ArrayList<>();
        while (apply.find()) {
            documented.add(Path.of(apply.group(1)));
        }
        return documented;
    }

    /**
     * What each documented directory builds: whether the renewer is a native sidecar (an init container) and whether
     * the admission policy that lets a pod evict only itself comes with it.
     */
    record Build(Path dir, boolean nativeSidecar, boolean ownPodOnly) {}

    static final List<Build> BUILDS = List.of(
            new Build(MANIFESTS, false, true),
            new Build(NATIVE_SIDECAR, true, true),
            new Build(BEFORE_1_30, false, false),
            new Build(NATIVE_SIDECAR_BEFORE_1_30, true, false),
            new Build(EVICT_OWN_POD_ONLY, false, true),
            new Build(NATIVE_SIDECAR_EVICT_OWN_POD_ONLY, true, true),
            new Build(HAWTIO, false, true));

    static Stream<Build> builds() {
        return BUILDS.stream();
    }

    @Test
    void deploysTheBaseAsItIsFromTheTopLevelKustomization() throws IOException {
        JsonNode kustomization = tree(MANIFESTS.resolve("kustomization.yaml"));

        assertThat(kind(MANIFESTS)).isEqualTo("Kustomization");
        assertThat(texts(kustomization.get("resources"))).containsExactly("base");
        List<String> fields = new ArrayList<>();
        kustomization.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactlyInAnyOrder("apiVersion", "kind", "resources");
    }

    @Test
    void listsEveryManifestInTheKustomizationAndEachExists() throws IOException {
        JsonNode kustomization = tree(BASE.resolve("kustomization.yaml"));

        List<String> resources = texts(kustomization.get("resources"));

        assertThat(resources)
                .containsExactlyInAnyOrder(
                        "serviceaccount.yaml",
                        "role.yaml",
                        "rolebinding.yaml",
                        "deployment.yaml",
                        "poddisruptionbudget.yaml",
                        "networkpolicy.yaml");
        resources.forEach(r -> assertThat(BASE.resolve(r)).isRegularFile());
        ServiceAccount account = JSON.treeToValue(tree(BASE.resolve("serviceaccount.yaml")), ServiceAccount.class);
        assertThat(pod().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());
    }

    @Test
    void listsEveryFileOfTheBaseAndOfEachOverlayInItsKustomization() throws IOException {
        List<Path> roots = kustomizations();

        assertThat(roots)
                .contains(
                        MANIFESTS,
                        BASE,
                        NATIVE_SIDECAR,
                        EVICT_OWN_POD_ONLY,
                        NATIVE_SIDECAR_EVICT_OWN_POD_ONLY,
                        BEFORE_1_30,
                        NATIVE_SIDECAR_BEFORE_1_30,
                        OWN_POD_ONLY_POLICY,
                        WITHOUT_OWN_POD_ONLY_POLICY,
                        HAWTIO,
                        MONITORING);
        for (Path root : roots) {
            List<String> listed = listed(tree(root.resolve("kustomization.yaml")));
            List<String> files;
            try (Stream<Path> entries = Files.list(root)) {
                files = entries.filter(Files::isRegularFile)
                        .map(f -> f.getFileName().toString())
                        .filter(f -> !f.equals("kustomization.yaml"))
                        // a plain Prometheus rules file, for a Prometheus without the operator: not applied
                        .filter(f -> !f.endsWith(".rules.yaml"))
                        .toList();
            }
            assertThat(listed).as(root + " lists every file in it").containsAll(files);
            listed.forEach(r -> assertThat(root.resolve(r)).as(root + ": " + r).exists());
            if (isOverlay(root)) {
                assertThat(reached(root)).as(root + " builds on the base").contains(BASE.toAbsolutePath());
            }
        }
    }

    /**
     * Whether a directory is an overlay of the app: a Kustomization other than the base, the monitoring and the
     * examples of the inject components.
     */
    private static boolean isOverlay(Path root) throws IOException {
        return !root.equals(BASE)
                && !root.equals(MONITORING)
                && !root.startsWith(EXAMPLES)
                && kind(root).equals("Kustomization");
    }

    /** The kustomization directories a kustomization lists in resources and components, and theirs in turn. */
    private static Set<Path> reached(Path root) throws IOException {
        Set<Path> reached = new TreeSet<>();
        Deque<Path> pending = new ArrayDeque<>(List.of(root.toAbsolutePath().normalize()));
        while (!pending.isEmpty()) {
            Path dir = pending.pop();
            for (Path listed : listedDirectories(dir)) {
                if (reached.add(listed)) {
                    pending.push(listed);
                }
            }
        }
        return reached;
    }

    /** The directories (absolute, normalized) a kustomization lists in resources and components. */
    private static List<Path> listedDirectories(Path root) throws IOException {
        JsonNode kustomization = tree(root.resolve("kustomization.yaml"));
        List<Path> dirs = new ArrayList<>();
        for (String entry : Stream.concat(
                        texts(kustomization.get("resources")).stream(), texts(kustomization.get("components")).stream())
                .toList()) {
            Path path = root.resolve(entry).toAbsolutePath().normalize();
            if (Files.isDirectory(path)) {
                dirs.add(path);
            }
        }
        return dirs;
    }

    /**
     * kustomize's cycle rule ("cycle detected: candidate root ... contains visited root ..."): a directory listed in
     * resources or components may not contain the kustomization listing it, nor any it was reached from. Which is
     * why the overlays list ../base and not ../ (manifests/, which contains them).
     */
    private static List<String> cycles(Path root) throws IOException {
        List<String> cycles = new ArrayList<>();
        Deque<Path> visited = new ArrayDeque<>();
        visited.push(root.toAbsolutePath().normalize());
        cycles(visited, cycles);
        return cycles;
    }

    private static void cycles(Deque<Path> visited, List<String> cycles) throws IOException {
        Path root = visited.peek();
        for (Path candidate : listedDirectories(root)) {
            List<Path> contained =
                    visited.stream().filter(v -> v.startsWith(candidate)).toList();
            if (!contained.isEmpty()) {
                cycles.add(root + " lists " + candidate + ", which contains " + contained);
            } else if (Files.isRegularFile(candidate.resolve("kustomization.yaml"))) {
                visited.push(candidate);
                cycles(visited, cycles);
                visited.pop();
            }
        }
    }

    @Test
    void listsNoDirectoryContainingTheKustomizationThatListsIt(@TempDir Path temp) throws IOException {
        for (Path root : kustomizations()) {
            assertThat(cycles(root)).as(root.toString()).isEmpty();
        }
        Files.writeString(temp.resolve("kustomization.yaml"), "resources: [deployment.yaml]\n");
        Files.createDirectories(temp.resolve("overlay"));
        Files.writeString(temp.resolve("overlay").resolve("kustomization.yaml"), "resources: [../]\n");
        assertThat(cycles(temp.resolve("overlay")))
                .as("the overlays' former ../, which kustomize refuses")
                .singleElement()
                .asString()
                .contains(
                        "contains [" + temp.resolve("overlay").toAbsolutePath().normalize() + "]");
    }

    @Test
    void namesEveryOverlayInTheTopCommentOfTheKustomization() throws IOException {
        String kustomization = Files.readString(MANIFESTS.resolve("kustomization.yaml"));
        List<Path> applicable = new ArrayList<>();
        for (Path root : kustomizations()) {
            if (isOverlay(root)) {
                applicable.add(root);
            }
        }

        for (Path root : applicable) {
            assertThat(kustomization).contains("kubectl apply -k " + root + "/");
        }
        assertThat(documented()).containsExactlyInAnyOrderElementsOf(applicable);
        assertThat(BUILDS)
                .as("every documented directory is built with kubectl kustomize")
                .extracting(Build::dir)
                .containsExactlyInAnyOrderElementsOf(documented());
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
        assertThat(login.getImage())
                .as("the init mode of the renewer's image")
                .isEqualTo(container(pod, RENEWER).getImage());
        assertThat(login.getArgs()).containsExactly("init");
        assertThat(login.getVolumeMounts())
                .extracting(VolumeMount::getMountPath)
                .contains("/env", "/tmp");
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

        assertThat(port).isEqualTo(ManagementSettings.DEFAULT_PORT);
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
        JsonNode generator = tree(BASE.resolve("kustomization.yaml")).get("configMapGenerator");
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
        assertThat(env(renewer, "ROUTES_RELOAD")).as("a ConfigMap edit reloads").isEqualTo("true");
        Set<String> builtIn = routeIds("classpath:routes/*.camel.yaml");
        assertThat(files).isNotEmpty();
        for (String file : files) {
            Path path = BASE.resolve(file);
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
        Path overlay = NATIVE_SIDECAR;
        JsonNode kustomization = tree(overlay.resolve("kustomization.yaml"));
        assertThat(texts(kustomization.get("resources"))).containsExactly("../base");
        Path patch =
                overlay.resolve(kustomization.get("patches").get(0).get("path").asText());
        ObjectNode manifest = (ObjectNode) tree(BASE.resolve("deployment.yaml"));

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

    @Test
    void givesTheRenewerItsPodNameAndNamespaceFromTheDownwardApi() throws IOException {
        Container renewer = container(pod(), RENEWER);

        assertThat(envVar(renewer, "POD_NAME").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.name");
        assertThat(envVar(renewer, "POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.namespace");
    }

    @Test
    void leavesTheApiServerAddressAndTheServiceAccountDirectoryToTheKubeletAndTheDefault() throws IOException {
        assertThat(container(pod(), RENEWER).getEnv())
                .extracting(EnvVar::getName)
                .doesNotContain(
                        Setting.KUBERNETES_SERVICE_HOST.envName(),
                        Setting.KUBERNETES_SERVICE_PORT_HTTPS.envName(),
                        Setting.RENEWER_SERVICE_ACCOUNT_DIR.envName());
    }

    @Test
    void evictsBeforeExpiryAtLeastFiveMinutesBeforeTheSecretsDie() throws IOException {
        String value = env(container(pod(), RENEWER), Setting.EVICT_BEFORE_EXPIRY.envName());

        assertThat(value).isNotBlank();
        assertThat(Durations.parse(value)).isGreaterThanOrEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void grantsOnlyCreateOnPodsEvictionInTheCoreGroup() throws IOException {
        JsonNode role = tree(BASE.resolve("role.yaml"));

        assertThat(role.get("apiVersion").asText()).isEqualTo("rbac.authorization.k8s.io/v1");
        assertThat(role.get("kind").asText()).isEqualTo("Role");
        assertThat(role.get("rules")).hasSize(1);
        JsonNode rule = role.get("rules").get(0);
        List<String> fields = new ArrayList<>();
        rule.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactlyInAnyOrder("apiGroups", "resources", "verbs");
        assertThat(texts(rule.get("apiGroups"))).containsExactly("");
        assertThat(texts(rule.get("resources"))).containsExactly("pods/eviction");
        assertThat(texts(rule.get("verbs"))).containsExactly("create");
        assertThat(role.toString()).doesNotContain("*");
    }

    @Test
    void bindsTheEvictionRoleToTheDeploymentsServiceAccountInItsNamespace() throws IOException {
        JsonNode role = tree(BASE.resolve("role.yaml"));
        JsonNode binding = tree(BASE.resolve("rolebinding.yaml"));
        Deployment deployment = deployment();
        String namespace = deployment.getMetadata().getNamespace();

        assertThat(binding.get("apiVersion").asText()).isEqualTo("rbac.authorization.k8s.io/v1");
        assertThat(binding.get("kind").asText()).isEqualTo("RoleBinding");
        JsonNode roleRef = binding.get("roleRef");
        assertThat(roleRef.get("apiGroup").asText()).isEqualTo("rbac.authorization.k8s.io");
        assertThat(roleRef.get("kind").asText()).isEqualTo("Role");
        assertThat(roleRef.get("name").asText())
                .isEqualTo(role.get("metadata").get("name").asText());
        assertThat(binding.get("subjects")).singleElement().satisfies(subject -> {
            assertThat(subject.get("kind").asText()).isEqualTo("ServiceAccount");
            assertThat(subject.get("name").asText())
                    .isEqualTo(deployment.getSpec().getTemplate().getSpec().getServiceAccountName());
            assertThat(
                            subject.path("namespace").isMissingNode()
                                    ? namespace
                                    : subject.get("namespace").asText())
                    .as("the subject's namespace, the binding's when absent")
                    .isEqualTo(namespace);
        });
        for (JsonNode manifest : List.of(role, binding)) {
            assertThat(manifest.get("metadata").path("namespace").textValue())
                    .as(manifest.get("kind").asText() + " in the Deployment's namespace")
                    .isEqualTo(namespace);
        }
    }

    @Test
    void budgetsTheDeploymentsPodsOneDisruptionAtATimeAndEvictsUnhealthyOnesAlways() throws IOException {
        JsonNode budget = tree(BASE.resolve("poddisruptionbudget.yaml"));
        Deployment deployment = deployment();
        JsonNode spec = budget.get("spec");
        LabelSelector selector = JSON.treeToValue(spec.get("selector"), LabelSelector.class);
        Map<String, String> labels =
                deployment.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(budget.get("apiVersion").asText()).isEqualTo("policy/v1");
        assertThat(budget.get("kind").asText()).isEqualTo("PodDisruptionBudget");
        assertThat(Objects.equals(
                        budget.get("metadata").path("namespace").textValue(),
                        deployment.getMetadata().getNamespace()))
                .as("in the Deployment's namespace")
                .isTrue();
        assertThat(selector.getMatchExpressions()).isNullOrEmpty();
        assertThat(selector.getMatchLabels()).isNotEmpty();
        assertThat(labels).containsAllEntriesOf(selector.getMatchLabels());
        assertThat(spec.has("minAvailable")).isFalse();
        int replicas = deployment.getSpec().getReplicas();
        int disruptions = allowedDisruptions(JSON.treeToValue(spec.get("maxUnavailable"), IntOrString.class), replicas);
        assertThat(disruptions).as("pods the budget lets go at once").isBetween(1, replicas - 1);
        assertThat(spec.get("unhealthyPodEvictionPolicy").asText()).isEqualTo("AlwaysAllow");
    }

    /** maxUnavailable as the disruption controller counts it: a number, or a percentage of the replicas rounded up. */
    private static int allowedDisruptions(IntOrString maxUnavailable, int replicas) {
        if (maxUnavailable.getIntVal() != null) {
            return maxUnavailable.getIntVal();
        }
        String percent = maxUnavailable.getStrVal();
        assertThat(percent).endsWith("%");
        return (int) Math.ceil(replicas * Integer.parseInt(percent.substring(0, percent.length() - 1)) / 100.0);
    }

    @Test
    void evictOwnPodOnlyComponentIsInTheBaseAndTheBefore130OverlaysTakeItOut() throws IOException {
        JsonNode component = tree(OWN_POD_ONLY_POLICY.resolve("kustomization.yaml"));
        JsonNode without = tree(WITHOUT_OWN_POD_ONLY_POLICY.resolve("kustomization.yaml"));
        JsonNode base = tree(BASE.resolve("kustomization.yaml"));
        JsonNode regular = tree(EVICT_OWN_POD_ONLY.resolve("kustomization.yaml"));
        JsonNode nativeSidecar = tree(NATIVE_SIDECAR_EVICT_OWN_POD_ONLY.resolve("kustomization.yaml"));
        JsonNode before = tree(BEFORE_1_30.resolve("kustomization.yaml"));
        JsonNode nativeBefore = tree(NATIVE_SIDECAR_BEFORE_1_30.resolve("kustomization.yaml"));

        assertThat(component.get("apiVersion").asText()).isEqualTo("kustomize.config.k8s.io/v1alpha1");
        assertThat(component.get("kind").asText()).isEqualTo("Component");
        assertThat(texts(component.get("resources")))
                .containsExactlyInAnyOrder(
                        "validatingadmissionpolicy.yaml", "validatingadmissionpolicybinding.yaml", "configmap.yaml");
        assertThat(texts(component.get("configurations"))).containsExactly("name-references.yaml");
        assertThat(texts(base.get("components"))).containsExactly("../components/evict-own-pod-only");
        assertThat(without.get("kind").asText()).isEqualTo("Component");
        assertThat(texts(regular.get("resources"))).containsExactly("../base");
        assertThat(regular.has("components"))
                .as("the base has the policy already")
                .isFalse();
        assertThat(texts(nativeSidecar.get("resources"))).containsExactly("../native-sidecar");
        assertThat(nativeSidecar.has("components")).isFalse();
        assertThat(texts(before.get("resources"))).containsExactly("../base");
        assertThat(texts(before.get("components"))).containsExactly("../components/without-evict-own-pod-only");
        assertThat(texts(nativeBefore.get("resources"))).containsExactly("../native-sidecar");
        assertThat(texts(nativeBefore.get("components"))).containsExactly("../components/without-evict-own-pod-only");
    }

    /**
     * The policy lets a pod's token evict only that pod, whatever the service account: it names no account and no app,
     * so a kustomize name transformation or another serviceAccountName cannot make it match nobody.
     */
    @Test
    void evictOwnPodOnlyPolicyLetsAPodsTokenEvictOnlyThatPodWhateverTheServiceAccount() throws IOException {
        JsonNode policy = tree(OWN_POD_ONLY_POLICY.resolve("validatingadmissionpolicy.yaml"));
        JsonNode spec = policy.get("spec");
        String account = pod().getServiceAccountName();

        assertThat(Files.readString(OWN_POD_ONLY_POLICY.resolve("validatingadmissionpolicy.yaml")))
                .doesNotContain(account);
        assertThat(policy.get("metadata").get("name").asText()).isEqualTo("kube-vault-auth-renewer-evict-own-pod-only");
        assertThat(spec.get("paramKind").get("kind").asText()).isEqualTo("ConfigMap");
        assertThat(policy.get("apiVersion").asText()).isEqualTo("admissionregistration.k8s.io/v1");
        assertThat(policy.get("kind").asText()).isEqualTo("ValidatingAdmissionPolicy");
        assertThat(spec.get("failurePolicy").asText()).isEqualTo("Fail");
        assertThat(spec.get("matchConstraints").get("resourceRules"))
                .singleElement()
                .satisfies(rule -> {
                    assertThat(texts(rule.get("apiGroups"))).containsExactly("");
                    assertThat(texts(rule.get("apiVersions"))).containsExactly("v1");
                    assertThat(texts(rule.get("operations"))).containsExactly("CREATE");
                    assertThat(texts(rule.get("resources"))).containsExactly("pods/eviction");
                });
        assertThat(spec.get("matchConditions"))
                .singleElement()
                .satisfies(condition -> assertThat(cel(condition))
                        .contains("request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace"
                                + " + ':')")
                        .contains("'authentication.kubernetes.io/pod-name' in request.userInfo.extra"));
        assertThat(spec.get("validations")).singleElement().satisfies(validation -> {
            assertThat(cel(validation))
                    .isEqualTo("request.userInfo.extra['authentication.kubernetes.io/pod-name'][0] == request.name");
            assertThat(validation.get("messageExpression").asText()).contains("may evict only its own pod");
            assertThat(validation.get("reason").asText()).isEqualTo("Forbidden");
        });
    }

    /** A CEL expression with its whitespace (folded YAML lines) collapsed to single spaces. */
    private static String cel(JsonNode node) {
        return node.get("expression").asText().strip().replaceAll("\\s+", " ");
    }

    @Test
    void evictOwnPodOnlyBindingDeniesWhatThePolicyRejects() throws IOException {
        JsonNode policy = tree(OWN_POD_ONLY_POLICY.resolve("validatingadmissionpolicy.yaml"));
        JsonNode binding = tree(OWN_POD_ONLY_POLICY.resolve("validatingadmissionpolicybinding.yaml"));

        assertThat(binding.get("apiVersion").asText()).isEqualTo("admissionregistration.k8s.io/v1");
        assertThat(binding.get("kind").asText()).isEqualTo("ValidatingAdmissionPolicyBinding");
        JsonNode configMap = tree(OWN_POD_ONLY_POLICY.resolve("configmap.yaml"));

        assertThat(binding.get("spec").get("policyName").asText())
                .isEqualTo(policy.get("metadata").get("name").asText());
        assertThat(texts(binding.get("spec").get("validationActions"))).contains("Deny");
        assertThat(binding.get("spec").get("paramRef").get("name").asText())
                .isEqualTo(configMap.get("metadata").get("name").asText());
        assertThat(binding.get("spec").get("paramRef").has("namespace"))
                .as("looked up in the request's namespace")
                .isFalse();
        assertThat(binding.get("spec")
                        .get("paramRef")
                        .get("parameterNotFoundAction")
                        .asText())
                .as("namespaces without the ConfigMap are left alone")
                .isEqualTo("Allow");
    }

    /** Whether a command is on the PATH (a test that needs it is skipped without it: CI fails on a skip). */
    public static boolean onPath(String command) {
        return Stream.of(System.getenv("PATH").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
    }

    /**
     * A user's kustomization with a namePrefix and a nameSuffix over the own-pod overlay: the binding names the renamed
     * policy and ConfigMap, so the policy still applies (kustomize knows no ValidatingAdmissionPolicyBinding: the
     * component's name references teach it).
     */
    @Test
    void evictOwnPodOnlyBindingFollowsAKustomizeNamePrefixAndSuffix(@TempDir Path temp) throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not on the PATH: kubectl kustomize not run");
        Files.writeString(
                temp.resolve("kustomization.yaml"),
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: team-a-\n"
                        + "nameSuffix: -prod\nresources:\n  - "
                        + temp.toAbsolutePath().relativize(EVICT_OWN_POD_ONLY.toAbsolutePath()) + "\n");

        List<JsonNode> built = kustomize(temp);

        JsonNode binding = only(built, "ValidatingAdmissionPolicyBinding");
        String policy = only(built, "ValidatingAdmissionPolicy")
                .get("metadata")
                .get("name")
                .asText();
        assertThat(policy).isEqualTo("team-a-kube-vault-auth-renewer-evict-own-pod-only-prod");
        assertThat(binding.get("spec").get("policyName").asText()).isEqualTo(policy);
        assertThat(binding.get("spec").get("paramRef").get("name").asText())
                .isEqualTo("team-a-kube-vault-auth-renewer-evict-own-pod-only-prod");
        assertThat(built)
                .filteredOn(d -> d.get("kind").asText().equals("ConfigMap"))
                .extracting(d -> d.get("metadata").get("name").asText())
                .contains("team-a-kube-vault-auth-renewer-evict-own-pod-only-prod");
    }

    static JsonNode only(List<JsonNode> built, String kind) {
        return built.stream()
                .filter(d -> d.get("kind").asText().equals(kind))
                .reduce((a, b) -> {
                    throw new AssertionError("more than one " + kind);
                })
                .orElseThrow();
    }

    /** What kubectl kustomize builds from a directory, one node a document. */
    static List<JsonNode> kustomize(Path dir) throws Exception {
        Path out = Files.createTempFile("kustomize", ".yaml");
        Path err = Files.createTempFile("kustomize", ".err");
        Process kustomize = new ProcessBuilder("kubectl", "kustomize", dir.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        boolean exited = kustomize.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            kustomize.destroyForcibly();
        }
        assertThat(exited).as("kubectl kustomize " + dir + " within 120 s").isTrue();
        assertThat(kustomize.exitValue()).as(Files.readString(err)).isZero();
        return StreamSupport.stream(
                        new Load(LoadSettings.builder().build())
                                .loadAllFromString(Files.readString(out))
                                .spliterator(),
                        false)
                .filter(Objects::nonNull)
                .map(document -> (JsonNode) JSON.valueToTree(document))
                .toList();
    }

    /**
     * Builds each documented directory with kubectl's kustomize (the one kubectl apply -k runs): reported as skipped
     * where kubectl is not installed.
     */
    @ParameterizedTest(name = "kubectl kustomize {0}")
    @MethodSource("builds")
    void buildsWithKubectlKustomize(Build build) throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not on the PATH: kubectl kustomize not run");
        List<JsonNode> built = kustomize(build.dir());
        List<String> kinds = new ArrayList<>(List.of(
                "Deployment",
                "ServiceAccount",
                "Role",
                "RoleBinding",
                "PodDisruptionBudget",
                "ConfigMap",
                "NetworkPolicy"));
        if (build.dir().equals(HAWTIO)) {
            kinds.add("NetworkPolicy");
        }
        if (build.ownPodOnly()) {
            kinds.addAll(List.of("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ConfigMap"));
        }
        assertThat(built).extracting(d -> d.get("kind").asText()).containsExactlyInAnyOrderElementsOf(kinds);
        JsonNode base = tree(BASE.resolve("kustomization.yaml"));
        Map<String, String> labels = JSON.convertValue(
                base.get("labels").get(0).get("pairs"),
                JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        for (JsonNode resource : built) {
            // the app's labels, not the own-pod policy's objects (the same for every app)
            if (!resource.get("metadata").get("name").asText().contains("evict-own-pod-only")) {
                Map<String, String> given = JSON.convertValue(
                        resource.get("metadata").get("labels"),
                        JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
                assertThat(given).as(resource.get("kind").asText()).containsAllEntriesOf(labels);
            }
        }

        PodSpec pod = JSON.treeToValue(
                        built.stream()
                                .filter(d -> d.get("kind").asText().equals("Deployment"))
                                .findFirst()
                                .orElseThrow(),
                        Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec();
        Container renewer = container(pod, RENEWER);
        if (build.nativeSidecar()) {
            assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("vault-login", RENEWER);
            assertThat(renewer.getRestartPolicy()).isEqualTo("Always");
            assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("app");
        } else {
            assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("vault-login");
            assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("app", RENEWER);
            assertThat(renewer.getRestartPolicy()).isNull();
        }
        JsonNode image = base.get("images").get(0);
        assertThat(renewer.getImage())
                .isEqualTo(image.get("newName").asText() + ":"
                        + image.get("newTag").asText());
        String generated = built.stream()
                .filter(d -> d.get("kind").asText().equals("ConfigMap"))
                .filter(d -> !d.get("metadata").get("name").asText().contains("evict-own-pod-only"))
                .findFirst()
                .orElseThrow()
                .get("metadata")
                .get("name")
                .asText();
        assertThat(generated)
                .startsWith(base.get("configMapGenerator").get(0).get("name").asText() + "-");
        assertThat(pod.getVolumes())
                .as("the routes' volume names the generated ConfigMap, hash suffix included")
                .filteredOn(v -> v.getConfigMap() != null)
                .extracting(v -> v.getConfigMap().getName())
                .containsExactly(generated);
    }

    /**
     * The monitoring directory as kubectl apply -k builds it: the PodMonitor, and the dashboard in a ConfigMap that
     * Grafana's sidecar loads. The ConfigMap keeps its name across edits: a hash suffix would leave the old one behind
     * and the sidecar would load two dashboards with one uid.
     */
    @Test
    void buildsTheMonitoringIntoAPodMonitorTheAlertRulesAndTheDashboardConfigMapForGrafanasSidecar() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not on the PATH: kubectl kustomize not run");
        List<JsonNode> built = kustomize(MONITORING);

        assertThat(built)
                .extracting(d -> d.get("kind").asText())
                .containsExactlyInAnyOrder("PodMonitor", "PrometheusRule", "ConfigMap");
        JsonNode dashboard = only(built, "ConfigMap");
        assertThat(dashboard.get("metadata").get("name").asText()).isEqualTo("kube-vault-auth-renewer-dashboard");
        assertThat(dashboard
                        .get("metadata")
                        .get("labels")
                        .get("grafana_dashboard")
                        .asText())
                .isEqualTo("1");
        assertThat(dashboard.get("data").get("dashboard.json").asText())
                .isEqualTo(Files.readString(MONITORING.resolve("dashboard.json")));
        assertThat(Files.readString(MONITORING.resolve("kustomization.yaml")))
                .contains("kubectl apply -k " + MONITORING + "/");
    }

    /** The Jolokia agent's options the hawtio overlay may give (bin/kube-vault-auth-renewer reads JOLOKIA_ENABLED). */
    private static final Set<String> JOLOKIA_VARIABLES = Set.of(
            "JOLOKIA_ENABLED",
            "JOLOKIA_HOST",
            "JOLOKIA_PORT",
            "JOLOKIA_PROTOCOL",
            "JOLOKIA_USE_SSL_CLIENT_AUTHENTICATION",
            "JOLOKIA_CA_CERT",
            "JOLOKIA_CLIENT_PRINCIPAL",
            "JOLOKIA_EXTENDED_CLIENT_CHECK",
            "JOLOKIA_SERVER_CERT",
            "JOLOKIA_SERVER_KEY",
            "JOLOKIA_POLICY_LOCATION");

    @Test
    void hawtioOverlayGivesTheRenewerTheJolokiaPortHawtioOnlineFindsAndHttpsForItsCertificateOnly() throws IOException {
        JsonNode kustomization = tree(HAWTIO.resolve("kustomization.yaml"));
        assertThat(texts(kustomization.get("resources"))).containsExactly("../base", "networkpolicy-jolokia.yaml");
        JsonNode patch = kustomization.get("patches").get(0);
        assertThat(kustomization.get("patches")).hasSize(1);
        assertThat(patch.get("target").get("name").asText())
                .isEqualTo(deployment().getMetadata().getName());
        String renewerPath = "/spec/template/spec/containers/1";
        Map<String, String> env = new HashMap<>();
        Map<String, String> annotations = new HashMap<>();
        List<JsonNode> ports = new ArrayList<>();
        for (JsonNode op : tree(HAWTIO.resolve(patch.get("path").asText()))) {
            String path = op.get("path").asText();
            if (path.startsWith("/spec/template/spec/volumes/")) {
                continue; // the service CA beside the token: ManifestsAccessTest
            }
            if (op.get("op").asText().equals("test")) {
                assertThat(path).isEqualTo(renewerPath + "/name");
                assertThat(op.get("value").asText()).isEqualTo(RENEWER);
                assertThat(pod().getContainers().get(1).getName()).isEqualTo(RENEWER);
                continue;
            }
            if (path.equals(renewerPath + "/resources")) {
                assertThat(op.get("op").asText()).isEqualTo("replace");
                continue;
            }
            assertThat(op.get("op").asText()).as(path).isEqualTo("add");
            if (path.equals(renewerPath + "/env/-")) {
                env.put(
                        op.get("value").get("name").asText(),
                        op.get("value").get("value").asText());
            } else if (path.equals(renewerPath + "/ports/-")) {
                ports.add(op.get("value"));
            } else {
                assertThat(path).startsWith("/spec/template/metadata/annotations/");
                annotations.put(
                        path.substring(path.lastIndexOf('/') + 1).replace("~1", "/"),
                        op.get("value").asText());
            }
        }

        assertThat(ports).singleElement().satisfies(port -> {
            assertThat(port.get("name").asText()).isEqualTo("jolokia");
            assertThat(port.get("containerPort").asInt()).isEqualTo(8778);
            assertThat(env)
                    .containsEntry("JOLOKIA_PORT", port.get("containerPort").asText());
        });
        assertThat(annotations)
                .containsOnly(
                        Map.entry("hawt.io/protocol", env.get("JOLOKIA_PROTOCOL")),
                        Map.entry("hawt.io/jolokiaPath", "/jolokia/"));
        assertThat(JOLOKIA_VARIABLES).containsAll(env.keySet());
        assertThat(env)
                .containsEntry("JOLOKIA_ENABLED", "true")
                .as("Hawtio Online calls the pod's IP")
                .containsEntry("JOLOKIA_HOST", "0.0.0.0")
                .containsEntry("JOLOKIA_PROTOCOL", "https")
                .containsEntry("JOLOKIA_USE_SSL_CLIENT_AUTHENTICATION", "true")
                .containsEntry("JOLOKIA_CA_CERT", SelfEviction.DEFAULT_SERVICE_ACCOUNT_DIR + "/service-ca.crt")
                .containsEntry("JOLOKIA_CLIENT_PRINCIPAL", "cn=hawtio-online.hawtio.svc")
                .containsEntry("JOLOKIA_EXTENDED_CLIENT_CHECK", "true")
                .as("the jar's read-only policy")
                .doesNotContainKey("JOLOKIA_POLICY_LOCATION");
    }

    @Test
    void hawtioOverlayBuildsTheBaseWithTheJolokiaPortBesideTheManagementOne() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not on the PATH: kubectl kustomize not run");
        Deployment built = kustomize(HAWTIO).stream()
                .filter(d -> d.get("kind").asText().equals("Deployment"))
                .map(d -> JSON.convertValue(d, Deployment.class))
                .findFirst()
                .orElseThrow();
        PodSpec pod = built.getSpec().getTemplate().getSpec();
        Container renewer = container(pod, RENEWER);
        Container base = container(pod(), RENEWER);

        assertThat(renewer.getPorts())
                .extracting(p -> p.getName() + ":" + p.getContainerPort())
                .containsExactlyInAnyOrder("vault-renewer:" + ManagementSettings.DEFAULT_PORT, "jolokia:8778");
        assertThat(pod.getContainers())
                .filteredOn(c -> !c.getName().equals(RENEWER))
                .allSatisfy(c -> assertThat(c.getPorts()).isNullOrEmpty());
        assertThat(pod.getContainers())
                .extracting(Container::getName)
                .as("the app still the first, default container")
                .containsExactly("app", RENEWER);
        assertThat(renewer.getEnv()).containsAll(base.getEnv());
        assertThat(renewer.getEnv())
                .extracting(EnvVar::getName)
                .filteredOn(name -> name.startsWith("JOLOKIA_"))
                .containsExactlyInAnyOrder(
                        "JOLOKIA_ENABLED",
                        "JOLOKIA_HOST",
                        "JOLOKIA_PORT",
                        "JOLOKIA_PROTOCOL",
                        "JOLOKIA_USE_SSL_CLIENT_AUTHENTICATION",
                        "JOLOKIA_CA_CERT",
                        "JOLOKIA_CLIENT_PRINCIPAL",
                        "JOLOKIA_EXTENDED_CLIENT_CHECK");
        assertThat(renewer.getLivenessProbe()).isEqualTo(base.getLivenessProbe());
        for (String kind : List.of("requests", "limits")) {
            Map<String, Quantity> given = kind.equals("requests")
                    ? renewer.getResources().getRequests()
                    : renewer.getResources().getLimits();
            Map<String, Quantity> before = kind.equals("requests")
                    ? base.getResources().getRequests()
                    : base.getResources().getLimits();
            assertThat(Quantity.getAmountInBytes(given.get("memory")))
                    .as("memory " + kind + ": the base's and the agent's 11 MiB")
                    .isGreaterThanOrEqualTo(
                            Quantity.getAmountInBytes(before.get("memory")).add(BigDecimal.valueOf(11L << 20)));
        }
        assertThat(built.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsAllEntriesOf(
                        deployment().getSpec().getTemplate().getMetadata().getAnnotations())
                .containsKeys("hawt.io/protocol", "hawt.io/jolokiaPath");
    }

    /** Runs yamllint (Debian's package; .ci/run installs it): reported as skipped where it is not installed. */
    @Test
    void passesYamllint() throws Exception {
        Assumptions.assumeTrue(onPath("yamllint"), "yamllint is not installed (apt-get install yamllint)");
        Process lint = new ProcessBuilder(
                        "yamllint", "-s", "-c", ".yamllint.yaml", "manifests", "src/main/resources/routes")
                .redirectErrorStream(true)
                .start();
        String output = new String(lint.getInputStream().readAllBytes());

        assertThat(lint.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(lint.exitValue()).as(output).isZero();
    }
}
