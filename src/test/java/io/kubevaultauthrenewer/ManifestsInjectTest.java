package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubevaultauthrenewer.config.ManagementSettings;
import io.kubevaultauthrenewer.config.PodAnnotations;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.config.Setting;
import io.kubevaultauthrenewer.management.ManagementServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kustomize components that inject the login and the renewer into annotated workloads (manifests/components/inject
 * and inject-regular-sidecar), built with kubectl kustomize over the example workloads (manifests/examples/): each
 * annotated workload is its input plus exactly the injected containers, volumes, mount and label; every other one is
 * its input; and what is injected is what the renewer needs.
 */
class ManifestsInjectTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = ManifestsTest.EXAMPLES;
    private static final Path WORKLOADS = EXAMPLES.resolve("workloads");
    private static final Path NATIVE = EXAMPLES.resolve("inject");
    private static final Path REGULAR = EXAMPLES.resolve("inject-regular-sidecar");
    private static final Path NATIVE_COMPONENT =
            ManifestsTest.MANIFESTS.resolve("components").resolve("inject");

    private static final String LOGIN = "vault-login";
    private static final String RENEWER = "vault-renewer";
    private static final String ENV_VOLUME = "vault-env";
    private static final Set<String> VOLUMES = Set.of(ENV_VOLUME, "vault-tmp", "vault-sa-token", "vault-annotations");
    private static final String INJECT = PodAnnotations.PREFIX + PodAnnotations.INJECT_MARKER;
    private static final String INJECTED_LABEL = "kube-vault-auth-renewer.io/injected";
    private static final String IMAGE = "registry.example.com/kube-vault-auth-renewer:0.1.0";

    /** The example workloads as written, by kind and name. */
    private static final Map<String, JsonNode> INPUTS = new TreeMap<>();
    /** What each example builds, by directory, then kind and name. */
    private static final Map<Path, Map<String, JsonNode>> BUILT = new TreeMap<>();

    @BeforeAll
    static void buildTheExamples() throws Exception {
        Assumptions.assumeTrue(
                ManifestsTest.onPath("kubectl"), "kubectl is not on the PATH: kubectl kustomize not run");
        for (JsonNode file :
                ManifestsTest.tree(WORKLOADS.resolve("kustomization.yaml")).get("resources")) {
            JsonNode workload = ManifestsTest.tree(WORKLOADS.resolve(file.asText()));
            INPUTS.put(id(workload), workload);
        }
        for (Path example : List.of(NATIVE, REGULAR)) {
            Map<String, JsonNode> built = new TreeMap<>();
            ManifestsTest.kustomize(example).forEach(d -> built.put(id(d), d));
            BUILT.put(example, built);
        }
    }

    private static String id(JsonNode resource) {
        return resource.get("kind").asText() + "/"
                + resource.get("metadata").get("name").asText();
    }

    private static boolean annotated(JsonNode workload) {
        return workload.get("metadata")
                .path("annotations")
                .path(INJECT)
                .asText()
                .equals("true");
    }

    private static boolean isJob(String id) {
        return id.startsWith("Job/") || id.startsWith("CronJob/");
    }

    /** The JSON pointer of a workload's pod template: a CronJob's is its job template's. */
    private static String template(JsonNode workload) {
        return workload.get("kind").asText().equals("CronJob") ? "/spec/jobTemplate/spec/template" : "/spec/template";
    }

    private static PodSpec pod(JsonNode workload) {
        return JSON.convertValue(workload.at(template(workload) + "/spec"), PodSpec.class);
    }

    static Stream<Path> examples() {
        return Stream.of(NATIVE, REGULAR);
    }

    /** Every example workload, in every build. */
    static Stream<String[]> workloads() {
        return examples().flatMap(example -> INPUTS.keySet().stream().map(id -> new String[] {example.toString(), id}));
    }

    private static JsonNode built(String example, String id) {
        JsonNode built = BUILT.get(Path.of(example)).get(id);
        assertThat(built).as(id + " in " + example).isNotNull();
        return built;
    }

    @Test
    void buildsTheExampleWorkloadsAndNothingElse() {
        assertThat(INPUTS.keySet())
                .containsExactly(
                        "CronJob/cleanup",
                        "DaemonSet/node-agent",
                        "Deployment/orders",
                        "Deployment/static-site",
                        "Job/report",
                        "StatefulSet/ledger");
        assertThat(INPUTS.values().stream().filter(ManifestsInjectTest::annotated))
                .as("an annotated Deployment, StatefulSet, DaemonSet, Job and CronJob")
                .hasSize(5);
        for (Map<String, JsonNode> built : BUILT.values()) {
            assertThat(built.keySet())
                    .as("the component's PodInjection stays out")
                    .isEqualTo(INPUTS.keySet());
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("workloads")
    void changesAWorkloadOnlyByWhatItInjectsAndAnUnannotatedOneNotAtAll(String example, String id) {
        JsonNode input = INPUTS.get(id);
        ObjectNode built = built(example, id).deepCopy();

        if (annotated(input)) {
            removeInjected(built);
        }

        assertThat(built).as("%s without what was injected", id).isEqualTo(input);
    }

    /**
     * A team's kustomization of its own over the components' directory: a namePrefix and a namespace rename the
     * workloads, and the component still injects into the annotated ones only.
     */
    @Test
    void injectsUnderATeamsNamePrefixAndNamespace(@TempDir Path temp) throws Exception {
        Files.writeString(
                temp.resolve("kustomization.yaml"),
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: team-a-\n"
                        + "namespace: team-a\nresources:\n  - "
                        + temp.toAbsolutePath().relativize(WORKLOADS.toAbsolutePath()) + "\ncomponents:\n  - "
                        + temp.toAbsolutePath().relativize(NATIVE_COMPONENT.toAbsolutePath()) + "\n");

        Map<String, JsonNode> built = new TreeMap<>();
        ManifestsTest.kustomize(temp).forEach(d -> built.put(id(d), d));

        for (String id : INPUTS.keySet()) {
            String renamed = id.replace("/", "/team-a-");
            assertThat(built).containsKey(renamed);
            assertThat(names(pod(built.get(renamed)).getInitContainers()).contains(LOGIN))
                    .as(renamed + " has the login")
                    .isEqualTo(annotated(INPUTS.get(id)));
        }
    }

    /** Takes out the label, the two containers, the four volumes and the app's mount, and what they alone created. */
    private static void removeInjected(ObjectNode workload) {
        ObjectNode template = (ObjectNode) workload.at(template(workload));
        ObjectNode labels = (ObjectNode) template.get("metadata").get("labels");
        assertThat(labels.remove(INJECTED_LABEL).asText()).isEqualTo("true");
        dropIfEmpty((ObjectNode) template.get("metadata"), "labels");
        ObjectNode spec = (ObjectNode) template.get("spec");
        removeNamed(spec, "initContainers", Set.of(LOGIN, RENEWER));
        removeNamed(spec, "containers", Set.of(RENEWER));
        removeNamed(spec, "volumes", VOLUMES);
        ObjectNode app = (ObjectNode) spec.get("containers").get(0);
        assertThat(removeNamed(app, "volumeMounts", Set.of(ENV_VOLUME)))
                .as("the app container's mount of /env")
                .isEqualTo(1);
    }

    /** Removes the items of a list with these names, and the list when it is left empty; how many it removed. */
    private static int removeNamed(ObjectNode parent, String list, Set<String> names) {
        ArrayNode items = (ArrayNode) parent.get(list);
        int removed = 0;
        for (int i = items == null ? -1 : items.size() - 1; i >= 0; i--) {
            if (names.contains(items.get(i).get("name").asText())) {
                items.remove(i);
                removed++;
            }
        }
        dropIfEmpty(parent, list);
        return removed;
    }

    private static void dropIfEmpty(ObjectNode parent, String field) {
        if (parent.has(field) && parent.get(field).isEmpty()) {
            parent.remove(field);
        }
    }

    /** The annotated example workloads, in every build. */
    static Stream<String[]> annotatedWorkloadsInEachBuild() {
        return workloads().filter(w -> annotated(INPUTS.get(w[1])));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("annotatedWorkloadsInEachBuild")
    void putsTheLoginFirstAndTheRenewerWhereTheComponentSays(String example, String id) {
        JsonNode input = INPUTS.get(id);
        PodSpec before = pod(input);
        PodSpec after = pod(built(example, id));
        List<String> initBefore = names(before.getInitContainers());
        List<String> containersBefore = names(before.getContainers());

        List<String> initContainers = new ArrayList<>(List.of(LOGIN));
        List<String> containers = new ArrayList<>(containersBefore);
        if (example.equals(NATIVE.toString())) {
            initContainers.add(RENEWER);
        } else if (!isJob(id)) {
            containers.add(RENEWER);
        }
        initContainers.addAll(initBefore);

        assertThat(names(after.getInitContainers())).isEqualTo(initContainers);
        assertThat(names(after.getContainers()))
                .as("the app still the first, default container")
                .isEqualTo(containers);
        Stream.concat(after.getInitContainers().stream(), after.getContainers().stream())
                .filter(c -> c.getName().equals(RENEWER))
                .forEach(renewer -> assertThat(renewer.getRestartPolicy())
                        .as("a native sidecar: an init container that restarts Always")
                        .isEqualTo(example.equals(NATIVE.toString()) ? "Always" : null));
        assertThat(built(example, id).at(template(input) + "/metadata/labels/" + INJECTED_LABEL.replace("/", "~1")))
                .as("the PodMonitor's label")
                .isEqualTo(JSON.getNodeFactory().textNode("true"));
    }

    private static List<String> names(List<Container> containers) {
        return containers.stream().map(Container::getName).toList();
    }

    private static Container container(PodSpec pod, String name) {
        return ManifestsTest.container(pod, name);
    }

    private static String env(Container container, String name) {
        return ManifestsTest.envVar(container, name).getValue();
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    /** The volume mounted over a file's directory in a container, and the file's path inside it. */
    private static Map.Entry<Volume, String> mountedFile(PodSpec pod, Container container, String file) {
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> file.startsWith(m.getMountPath() + "/"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(file + " is on no volume of " + container.getName()));
        return Map.entry(
                volume(pod, mount.getName()),
                file.substring(mount.getMountPath().length() + 1));
    }

    /** The annotated workloads' injected containers in the native build, where the renewer is in every kind. */
    static Stream<String> annotatedWorkloads() {
        return INPUTS.entrySet().stream().filter(e -> annotated(e.getValue())).map(Map.Entry::getKey);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("annotatedWorkloads")
    void givesTheLoginAndTheRenewerTheAnnotationsFileTheVariablesFileAndTheToken(String id) {
        PodSpec pod = pod(built(NATIVE.toString(), id));

        for (String name : List.of(LOGIN, RENEWER)) {
            Container container = container(pod, name);
            assertThat(container.getImage()).as(name).isEqualTo(IMAGE);

            Map.Entry<Volume, String> annotations =
                    mountedFile(pod, container, env(container, Setting.RENEWER_ANNOTATIONS_FILE.envName()));
            assertThat(annotations.getKey().getDownwardAPI().getItems())
                    .as(name + ": RENEWER_ANNOTATIONS_FILE is the downward API's file of the pod's annotations")
                    .singleElement()
                    .satisfies(item -> {
                        assertThat(item.getPath()).isEqualTo(annotations.getValue());
                        assertThat(item.getFieldRef().getFieldPath()).isEqualTo("metadata.annotations");
                    });

            Map.Entry<Volume, String> variables =
                    mountedFile(pod, container, env(container, Setting.VARIABLES_FILE.envName()));
            assertThat(variables.getKey().getName()).as(name).isEqualTo(ENV_VOLUME);
            assertThat(variables.getKey().getEmptyDir().getMedium()).isEqualTo("Memory");
            assertThat(variables.getKey().getEmptyDir().getSizeLimit().toString())
                    .isEqualTo("1Mi");

            VolumeMount token = container.getVolumeMounts().stream()
                    .filter(m -> m.getMountPath().equals(SelfEviction.DEFAULT_SERVICE_ACCOUNT_DIR))
                    .findFirst()
                    .orElseThrow();
            assertThat(token.getReadOnly()).isTrue();
            assertThat(volume(pod, token.getName()).getProjected().getSources())
                    .anySatisfy(s ->
                            assertThat(s.getServiceAccountToken().getPath()).isEqualTo("token"));
            assertThat(token.getName())
                    .as("a name the ServiceAccount admission plugin does not take for its own volume")
                    .doesNotStartWith("kube-api-access-");
            assertThat(container.getVolumeMounts())
                    .filteredOn(m -> m.getMountPath().equals("/tmp"))
                    .singleElement();
        }
        assertThat(container(pod, LOGIN).getArgs()).containsExactly("init");
        assertThat(pod.getContainers().get(0).getVolumeMounts())
                .filteredOn(m -> m.getName().equals(ENV_VOLUME))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.getMountPath())
                            .isEqualTo(Path.of(env(container(pod, LOGIN), "VARIABLES_FILE"))
                                    .getParent()
                                    .toString());
                    assertThat(m.getReadOnly()).isTrue();
                });
        assertThat(pod.getContainers())
                .as("the app's containers get no token from the component")
                .allSatisfy(c -> assertThat(c.getVolumeMounts())
                        .noneMatch(m -> m.getName().equals("vault-sa-token")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("annotatedWorkloads")
    void givesTheRenewerTheBaseRenewersProbesResourcesAndSecurityOnThePortNamedVaultRenewer(String id)
            throws IOException {
        PodSpec pod = pod(built(NATIVE.toString(), id));
        Container renewer = container(pod, RENEWER);
        Container login = container(pod, LOGIN);
        PodSpec basePod = JSON.convertValue(
                        ManifestsTest.tree(ManifestsTest.BASE.resolve("deployment.yaml")), Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec();
        Container base = container(basePod, RENEWER);

        assertThat(renewer.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("vault-renewer");
            assertThat(port.getContainerPort()).isEqualTo(ManagementSettings.DEFAULT_PORT);
        });
        assertThat(env(renewer, "CAMEL_MANAGEMENT_PORT")).isEqualTo(String.valueOf(ManagementSettings.DEFAULT_PORT));
        for (Probe probe :
                List.of(renewer.getLivenessProbe(), renewer.getReadinessProbe(), renewer.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("vault-renewer");
        }
        assertThat(renewer.getLivenessProbe().getHttpGet().getPath()).isEqualTo(ManagementServer.LIVENESS_PATH);
        assertThat(renewer.getReadinessProbe().getHttpGet().getPath()).isEqualTo(ManagementServer.READINESS_PATH);
        assertThat(withoutPort(renewer.getLivenessProbe())).isEqualTo(withoutPort(base.getLivenessProbe()));
        assertThat(withoutPort(renewer.getReadinessProbe())).isEqualTo(withoutPort(base.getReadinessProbe()));
        assertThat(withoutPort(renewer.getStartupProbe())).isEqualTo(withoutPort(base.getStartupProbe()));
        assertThat(renewer.getResources()).isEqualTo(base.getResources());
        assertThat(login.getResources()).isEqualTo(container(basePod, LOGIN).getResources());
        assertThat(renewer.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(renewer.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(renewer.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(renewer.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(renewer.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(login.getSecurityContext()).isEqualTo(renewer.getSecurityContext());
        Map<String, String> fromPod = renewer.getEnv().stream()
                .filter(e -> e.getValueFrom() != null)
                .collect(Collectors.toMap(
                        EnvVar::getName, e -> e.getValueFrom().getFieldRef().getFieldPath()));
        assertThat(fromPod)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("POD_NAME", "metadata.name", "POD_NAMESPACE", "metadata.namespace"));
    }

    /**
     * The PodMonitor of manifests/monitoring/ scrapes every injected pod and the base's: its selector is in their pod
     * templates' labels, its port is their renewer's port name, its path the metrics path.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("annotatedWorkloads")
    void isScrapedByThePodMonitorAsTheBasesPodIs(String id) throws IOException {
        JsonNode monitor = ManifestsTest.tree(Path.of("manifests/monitoring/podmonitor.yaml"));
        JsonNode endpoint = monitor.at("/spec/podMetricsEndpoints/0");
        JsonNode workload = built(NATIVE.toString(), id);
        JsonNode template = workload.at(template(workload));
        JsonNode baseTemplate = ManifestsTest.tree(ManifestsTest.BASE.resolve("deployment.yaml"))
                .at("/spec/template");
        PodSpec basePod = JSON.convertValue(baseTemplate.get("spec"), PodSpec.class);

        assertThat(endpoint.get("path").asText()).isEqualTo(ManagementServer.METRICS_PATH);
        monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(label -> {
            assertThat(template.at("/metadata/labels").get(label.getKey())).isEqualTo(label.getValue());
            assertThat(baseTemplate.at("/metadata/labels").get(label.getKey())).isEqualTo(label.getValue());
        });
        assertThat(container(pod(workload), RENEWER).getPorts())
                .extracting(ContainerPort::getName)
                .containsExactly(endpoint.get("port").asText());
        assertThat(container(basePod, RENEWER).getPorts())
                .extracting(ContainerPort::getName)
                .containsExactly(endpoint.get("port").asText());
    }

    /** A probe with its port left out: compared with the base's, whatever the port is called. */
    private static Probe withoutPort(Probe probe) {
        Probe copy = JSON.convertValue(probe, Probe.class);
        copy.getHttpGet().setPort(null);
        return copy;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("annotatedWorkloads")
    void givesTheInjectedContainersAndTheAnnotationsOnlySettingsTheRenewerTakes(String id, @TempDir Path temp)
            throws IOException {
        Set<String> settings =
                Arrays.stream(Setting.values()).map(Setting::envName).collect(Collectors.toSet());
        PodSpec pod = pod(built(NATIVE.toString(), id));
        JsonNode annotations = INPUTS.get(id).at(template(INPUTS.get(id)) + "/metadata/annotations");

        for (String name : List.of(LOGIN, RENEWER)) {
            assertThat(container(pod, name).getEnv())
                    .extracting(EnvVar::getName)
                    .allSatisfy(variable -> assertThat(settings).contains(variable));
        }
        // the pod's annotations as the kubelet writes them (sorted, Go-quoted), read as the renewer reads them
        Map<String, String> given = JSON.convertValue(
                annotations, JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        Map<String, String> sorted = new TreeMap<>(given);
        StringBuilder file = new StringBuilder();
        sorted.forEach((key, value) -> {
            assertThat(value).as(key).matches("[ -~]*");
            file.append(key)
                    .append("=\"")
                    .append(value.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append("\"\n");
        });
        Path written =
                Files.writeString(temp.resolve("annotations"), file.toString().strip());
        Map<String, String> read = PodAnnotations.merge(
                        Map.of(Setting.RENEWER_ANNOTATIONS_FILE.envName(), written.toString()))
                .environment();
        assertThat(read).containsKeys("VAULT_ADDR", "VAULT_LOGIN_ROLE");
        assertThat(read.keySet()).anyMatch(name -> name.startsWith("SECRET_"));
    }
}
