package io.kubevaultauthrenewer.routefiles;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.e2e.ConfigMapVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which route files a ConfigMap update changed, read through the kubelet's links; and the same in a plain folder. */
class RouteFilesTest {

    private static final String FAILURE = "renewal-failure.camel.yaml";
    private static final String PROBE = "configmap-probe.camel.yaml";

    @TempDir
    Path dir;

    @Test
    void readsEachVisibleRouteFileThroughItsLinkAndSkipsTheKubeletsEntries() throws IOException {
        ConfigMapVolume volume = ConfigMapVolume.mount(dir, Map.of(FAILURE, "first", "notes.txt", "not a route"));

        Map<Path, String> files = RouteFiles.snapshot(dir);

        assertThat(files).containsOnlyKeys(dir.resolve(FAILURE));
        assertThat(files.get(dir.resolve(FAILURE))).isEqualTo(RouteFiles.hash(dir.resolve(FAILURE)));
        assertThat(Files.isSymbolicLink(volume.dir().resolve(FAILURE))).isTrue();
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("..2026_12_01_10_00_00.123456789", "..data", FAILURE, "notes.txt");
        }
    }

    @Test
    void findsTheKeyAnUpdateEditedThoughItsLinkNeverChanged() throws IOException {
        ConfigMapVolume volume = ConfigMapVolume.mount(dir, Map.of(FAILURE, "first", PROBE, "probe"));
        Map<Path, String> before = RouteFiles.snapshot(dir);
        Path link = Files.readSymbolicLink(dir.resolve(FAILURE));

        volume.update(Map.of(FAILURE, "second", PROBE, "probe"));

        assertThat(Files.readSymbolicLink(dir.resolve(FAILURE))).isEqualTo(link);
        assertThat(RouteFiles.changed(before, RouteFiles.snapshot(dir))).containsExactly(dir.resolve(FAILURE));
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("the old timestamped directory is gone")
                    .containsExactlyInAnyOrder("..2026_12_01_10_01_00.123456789", "..data", FAILURE, PROBE);
        }
    }

    @Test
    void findsAKeyAddedAndAKeyRemoved() {
        ConfigMapVolume volume = ConfigMapVolume.mount(dir, Map.of(FAILURE, "first"));
        Map<Path, String> before = RouteFiles.snapshot(dir);

        volume.update(Map.of(PROBE, "probe"));

        assertThat(RouteFiles.changed(before, RouteFiles.snapshot(dir)))
                .containsExactlyInAnyOrder(dir.resolve(FAILURE), dir.resolve(PROBE));
        assertThat(Files.exists(dir.resolve(FAILURE))).isFalse();
    }

    @Test
    void findsNothingWhenAnUpdateLeftEveryRouteFileAsItWas() {
        ConfigMapVolume volume = ConfigMapVolume.mount(dir, Map.of(FAILURE, "first", "notes.txt", "a"));
        Map<Path, String> before = RouteFiles.snapshot(dir);

        volume.update(Map.of(FAILURE, "first", "notes.txt", "b"));

        assertThat(RouteFiles.changed(before, RouteFiles.snapshot(dir))).isEmpty();
    }

    @Test
    void seesALinkToARemovedKeyAsNoFile() throws IOException {
        Files.createSymbolicLink(dir.resolve(FAILURE), Path.of("..data", FAILURE));

        assertThat(RouteFiles.hash(dir.resolve(FAILURE))).isNull();
        assertThat(RouteFiles.snapshot(dir)).isEmpty();
    }

    @Test
    void findsAFileEditedInPlaceInAPlainFolder() throws IOException {
        Path file = Files.writeString(dir.resolve(FAILURE), "first");
        Map<Path, String> before = RouteFiles.snapshot(dir);

        Files.writeString(file, "second");

        assertThat(RouteFiles.changed(before, RouteFiles.snapshot(dir))).containsExactly(file);
    }
}
